//! Escaping for the report renderings. Names in a report come from the inputs (operator,
//! environment, workload, region and client names), which whoever writes the manifests
//! controls: nothing from the inputs may become markup, a link, a forum mention or an
//! HTML element.
//!
//! Markdown targets Discourse (markdown-it with GitHub tables): no raw HTML is emitted at
//! all, line breaks in a cell become spaces, and `|` is escaped even inside code spans (a
//! table cell ends at an unescaped `|` wherever it stands).

/// Text for HTML element content and attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A message for HTML: `code spans` (as rule messages write names) become `<code>`, all
/// text escaped.
pub fn html_message(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let closed = parts.len() % 2 == 1;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let in_code = i % 2 == 1 && (closed || i + 1 < parts.len());
        if in_code {
            out.push_str("<code>");
            out.push_str(&html(part));
            out.push_str("</code>");
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&html(part));
        }
    }
    out
}

/// Plain text for Markdown (a table cell or a paragraph): Markdown punctuation escaped,
/// HTML characters as entities, `@` escaped (no forum mentions), line breaks as spaces.
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if needs_escape(c) => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The characters [`md_text`] escapes: those that can start markup inline. (`-`, `+`, `.`
/// and `=` only matter at a line start, which a cell or sentence never is; `(` only after
/// `]`, which is escaped.)
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\\' | '*' | '_' | '[' | ']' | '|' | '`' | '~' | '#' | '!' | '@'
    )
}

/// A name as an inline code span: nothing in it is markup, mention or link. Backticks
/// inside get a longer fence; `|` is escaped for tables.
pub fn md_code(text: &str) -> String {
    let t: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let longest = longest_run(&t, '`');
    if longest == 0 {
        return format!("`{t}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {t} {fence}")
}

/// A message for Markdown: its `code spans` stay code spans (with `|` escaped), the rest
/// is [`md_text`]. An unbalanced backtick is escaped.
pub fn md_message(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let parts: Vec<&str> = text.split('`').collect();
    let closed = parts.len() % 2 == 1;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let in_code = i % 2 == 1 && (closed || i + 1 < parts.len());
        if in_code {
            out.push('`');
            out.push_str(&part.replace('|', "\\|"));
            out.push('`');
        } else {
            if i % 2 == 1 {
                out.push_str("\\`");
            }
            out.push_str(&md_text(part));
        }
    }
    out
}

/// The longest run of `c` in `text`.
pub fn longest_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A fenced code block that its content cannot close.
pub fn md_fence(content: &str, info: &str) -> String {
    let fence = "`".repeat(longest_run(content, '`').max(2) + 1);
    format!("{fence}{info}\n{content}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_everything_that_could_be_markup() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            html_message("pair `<b>` has `x"),
            "pair <code>&lt;b&gt;</code> has `x"
        );
    }

    #[test]
    fn markdown_names_cannot_break_out() {
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code("a`b"), "`` a`b ``");
        assert_eq!(md_code("x\ny"), "`x y`");
        assert_eq!(
            md_text("[click](http://x) @team <img> | *b*"),
            "\\[click\\](http://x) \\@team &lt;img&gt; \\| \\*b\\*"
        );
        assert_eq!(
            md_message("pair `a|b` <i>\nnext"),
            "pair `a\\|b` &lt;i&gt; next"
        );
        assert_eq!(md_message("odd ` tick"), "odd \\` tick");
        assert!(md_fence("a ``` b", "text").starts_with("````text\n"));
    }
}
