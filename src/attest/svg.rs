//! Inline SVG bar charts for the HTML reports: horizontal stacked bars with reference
//! lines (the 1/3 and 2/3 client-share lines, the 1,000-key line). Pure markup, no
//! script: every label is escaped, every segment carries a `<title>` tooltip, and the
//! chart has a text alternative (`role="img"`, `<title>`, `<desc>`).

use super::escape::html;
use std::fmt::Write;

/// One part of a bar.
#[derive(Debug, Clone)]
pub struct Segment {
    pub name: String,
    pub value: f64,
}

/// One bar.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub segments: Vec<Segment>,
    /// Shown after the bar (e.g. `1,200 keys`), or instead of it when it is empty.
    pub note: String,
    /// Draws the bar in the warning colour (e.g. above a limit).
    pub alert: bool,
}

/// A vertical reference line at a value (a fraction for normalised charts).
#[derive(Debug, Clone)]
pub struct Line {
    pub at: f64,
    pub label: String,
}

/// How bar lengths are scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Every bar is 100%: segments are shares of their bar.
    Shares,
    /// Bars are to scale with each other (and with the lines).
    Absolute,
}

const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 190.0;
const NOTE_W: f64 = 90.0;
const BAR_H: f64 = 20.0;
const GAP: f64 = 8.0;
const TOP: f64 = 30.0;
const LEGEND_COLUMNS: usize = 4;

/// Fixed colours for the known clients (Tableau 20); other names hash into the palette.
const PALETTE: [&str; 20] = [
    "#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d", "#59a14f", "#8cd17d", "#b6992d", "#f1ce63",
    "#499894", "#86bcb6", "#e15759", "#ff9d9a", "#79706e", "#bab0ac", "#d37295", "#fabfd2",
    "#b07aa1", "#d4a6c8", "#9d7660", "#d7b5a6",
];
const KNOWN: [&str; 13] = [
    "geth",
    "nethermind",
    "besu",
    "erigon",
    "reth",
    "lighthouse",
    "prysm",
    "teku",
    "nimbus",
    "lodestar",
    "grandine",
    "caplin",
    "vouch",
];

/// The colour of a name (client, region, area).
pub fn color(name: &str) -> &'static str {
    match name {
        "unknown" | "" | "no pairs" => return "#c8c8c8",
        "not compliant" => return "#d62728",
        "not assessed" => return "#e3b505",
        "AMERS" => return "#4e79a7",
        "EMEA" => return "#59a14f",
        "APAC" => return "#f28e2b",
        _ => {}
    }
    if let Some(i) = KNOWN.iter().position(|k| *k == name) {
        return PALETTE[(i * 3) % PALETTE.len()];
    }
    let h = name.bytes().fold(2_166_136_261_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    });
    PALETTE[h as usize % PALETTE.len()]
}

fn fmt_value(v: f64, scale: Scale) -> String {
    match scale {
        Scale::Shares => format!("{:.0}%", v * 100.0),
        Scale::Absolute if (v - v.round()).abs() < 1e-9 => {
            crate::finding::thousands(v.round() as u64)
        }
        Scale::Absolute => format!("{v:.1}"),
    }
}

/// A horizontal stacked bar chart.
pub fn stacked(title: &str, desc: &str, rows: &[Row], scale: Scale, lines: &[Line]) -> String {
    let chart_w = WIDTH - LABEL_W - NOTE_W;
    let max = match scale {
        Scale::Shares => 1.0,
        Scale::Absolute => {
            rows.iter()
                .map(|r| r.segments.iter().map(|s| s.value.max(0.0)).sum::<f64>())
                .chain(lines.iter().map(|l| l.at))
                .fold(0.0_f64, f64::max)
                .max(1.0)
                * 1.08
        }
    };
    let x = |v: f64| LABEL_W + (v / max).clamp(0.0, 1.0) * chart_w;
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        for s in &r.segments {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
    }
    let legend_rows = names.len().div_ceil(LEGEND_COLUMNS);
    let bars_h = rows.len() as f64 * (BAR_H + GAP);
    let height = TOP + bars_h + 10.0 + legend_rows as f64 * 20.0 + 6.0;
    let id = chart_id(title);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        html(title),
        html(desc)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + i as f64 * (BAR_H + GAP);
        let _ = write!(
            s,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + BAR_H * 0.7,
            html(&clip(&r.label, 28))
        );
        let total: f64 = r.segments.iter().map(|g| g.value.max(0.0)).sum();
        let _ = write!(
            s,
            r##"<rect class="track" x="{LABEL_W}" y="{y}" width="{chart_w}" height="{BAR_H}" fill="#f3f3f3"/>"##
        );
        let mut at = 0.0;
        for g in &r.segments {
            let v = match scale {
                Scale::Shares if total > 0.0 => g.value.max(0.0) / total,
                Scale::Shares => 0.0,
                Scale::Absolute => g.value.max(0.0),
            };
            let (x0, x1) = (x(at), x(at + v));
            at += v;
            if x1 - x0 < 0.5 {
                continue;
            }
            let fill = if r.alert { "#d62728" } else { color(&g.name) };
            let _ = write!(
                s,
                r##"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="{BAR_H}" fill="{fill}" stroke="#fff" stroke-width="1"><title>{}: {}</title></rect>"##,
                x1 - x0,
                html(&g.name),
                html(&fmt_value(v, scale))
            );
            if x1 - x0 > 34.0 {
                let _ = write!(
                    s,
                    r#"<text class="in" x="{:.1}" y="{}" text-anchor="middle" fill="{}">{}</text>"#,
                    f64::midpoint(x0, x1),
                    y + BAR_H * 0.7,
                    ink_on(fill),
                    html(&fmt_value(v, scale))
                );
            }
        }
        if !r.note.is_empty() {
            let _ = write!(
                s,
                r#"<text class="note" x="{}" y="{}">{}</text>"#,
                LABEL_W + chart_w + 6.0,
                y + BAR_H * 0.7,
                html(&r.note)
            );
        }
    }
    for l in lines {
        let lx = x(l.at);
        let _ = write!(
            s,
            r##"<line x1="{lx:.1}" y1="{}" x2="{lx:.1}" y2="{}" stroke="#222" stroke-width="1.5" stroke-dasharray="5 3"/><text class="line" x="{lx:.1}" y="{}" text-anchor="middle">{}</text>"##,
            TOP - 8.0,
            TOP + bars_h - GAP + 2.0,
            TOP - 12.0,
            html(&l.label)
        );
    }
    let legend_y = TOP + bars_h + 10.0;
    for (i, name) in names.iter().enumerate() {
        let lx = LABEL_W + (i % LEGEND_COLUMNS) as f64 * (chart_w / LEGEND_COLUMNS as f64);
        let ly = legend_y + (i / LEGEND_COLUMNS) as f64 * 20.0;
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="{ly}" width="12" height="12" fill="{}"/><text class="legend" x="{:.1}" y="{}">{}</text>"#,
            if rows.iter().all(|r| r.alert) {
                "#d62728"
            } else {
                color(name)
            },
            lx + 16.0,
            ly + 10.5,
            html(&clip(name, 15))
        );
    }
    s.push_str("</svg>");
    s
}

/// Dark or white text, whichever reads better on a fill colour (`#rrggbb`).
fn ink_on(fill: &str) -> &'static str {
    let channel = |i: usize| {
        fill.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, |v| f64::from(v) / 255.0)
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    if luminance > 0.55 {
        "#1f2328"
    } else {
        "#ffffff"
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A stable id for a chart's title and description elements.
fn chart_id(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("c-{}", slug.trim_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_draw_lines() {
        let rows = vec![Row {
            label: "<script>x</script>".into(),
            segments: vec![
                Segment {
                    name: "geth".into(),
                    value: 2.0,
                },
                Segment {
                    name: "\"><b>".into(),
                    value: 1.0,
                },
            ],
            note: String::new(),
            alert: false,
        }];
        let svg = stacked(
            "Mix",
            "desc",
            &rows,
            Scale::Shares,
            &[Line {
                at: 2.0 / 3.0,
                label: "2/3".into(),
            }],
        );
        assert!(
            !svg.contains("<script>") && !svg.contains("\"><b>"),
            "{svg}"
        );
        assert!(svg.contains("&lt;script&gt;") && svg.contains("67%"));
        assert!(svg.contains("stroke-dasharray"));
        assert_eq!(color("geth"), color("geth"));
        assert_eq!(color("unknown"), "#c8c8c8");
    }
}
