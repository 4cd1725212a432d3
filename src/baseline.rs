//! Fingerprints and baselines: adopting stakelint on a fleet that does not pass yet.
//!
//! A finding's **fingerprint** identifies it across runs without its line number, so that
//! editing an unrelated part of a file does not make old findings look new. It is the
//! SHA-256 (lower-case hex) of these fields, each followed by a NUL byte:
//!
//! 1. the scheme, `stakelint-fingerprint/1`;
//! 2. the rule id;
//! 3. the environment (empty when none);
//! 4. the primary location's path, normalised (`./` prefixes dropped, `\` → `/`), empty
//!    when the finding has no location;
//! 5. the source text of the primary span, secret values masked, normalised (whitespace
//!    runs collapsed to one space, surrounding quotes dropped);
//! 6. the names the message quotes in backticks (validator clients, signers, regions,
//!    keys…), in order — not the rest of the message, whose counts and wording may change.
//!
//! Related locations are left out on purpose: they often point at figures that move
//! (`keys: {count: 1200}`) without the finding being a new one.
//!
//! A **baseline** is a JSON report (`--format json`, or `--write-baseline FILE`). With
//! `--baseline FILE`, a finding is not reported when an unsuppressed finding with the same
//! fingerprint is in the baseline; fingerprints are counted, so a second finding with the
//! same fingerprint is still new.

use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::source::files::SourceDb;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The scheme tag hashed first; bump it when the definition above changes.
pub const SCHEME: &str = "stakelint-fingerprint/1";

/// The fingerprint of a finding (64 lower-case hex digits).
pub fn fingerprint(db: &SourceDb, f: &Finding) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update(s.as_bytes());
        h.update([0u8]);
    };
    field(SCHEME);
    field(f.rule);
    field(f.environment.as_deref().unwrap_or(""));
    let (path, text) = f.primary.map_or((String::new(), String::new()), |o| {
        // Secret values are masked before hashing: a fingerprint must not let anyone
        // confirm a guessed secret.
        let span = db.redacted_text(o);
        (normal_path(&db.get(o.file).path), normal_text(&span))
    });
    field(&path);
    field(&text);
    for name in quoted_names(&f.message) {
        field(name);
    }
    let mut hex = String::with_capacity(64);
    for b in h.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A path as it should compare across machines and invocations.
pub fn normal_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_owned();
    }
    p
}

fn normal_text(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| {
            flat.strip_prefix(*q)
                .and_then(|s| s.strip_suffix(*q))
                .filter(|_| flat.len() >= 2)
        })
        .unwrap_or(&flat);
    unquoted.to_owned()
}

/// The `backticked` parts of a message (an unterminated one is ignored).
fn quoted_names(message: &str) -> impl Iterator<Item = &str> {
    let parts: Vec<&str> = message.split('`').collect();
    let complete = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    parts.into_iter().take(complete).skip(1).step_by(2)
}

/// The findings of a previous run, as counted fingerprints.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    counts: HashMap<String, usize>,
}

impl Baseline {
    /// Reads a baseline: a stakelint JSON report (version 1) whose findings carry
    /// fingerprints. Suppressed findings in it do not count: if their suppression lapses,
    /// they are new.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let shown = path.to_string_lossy().into_owned();
        let text = crate::source::load::read_text_bounded(path).map_err(|e| {
            InputError::file(
                "baseline",
                &shown,
                format!("cannot read baseline `{shown}`: {e}"),
            )
        })?;
        Self::parse(&text).map_err(|why| {
            InputError::file("baseline", &shown, format!("baseline `{shown}` {why}")).help(
                "write one with `stakelint lint … --write-baseline FILE` (or `--format json=FILE`)",
            )
        })
    }

    /// Parses the text of a baseline; the error completes "baseline `FILE` …".
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("is not JSON (line {}, column {})", e.line(), e.column()))?;
        if doc.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
            return Err("is not a stakelint JSON report of version 1".to_owned());
        }
        let findings = doc
            .get("findings")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| "has no `findings` array".to_owned())?;
        let mut counts = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            if f.get("suppressed").and_then(serde_json::Value::as_bool) == Some(true) {
                continue;
            }
            let Some(fp) = f.get("fingerprint").and_then(serde_json::Value::as_str) else {
                return Err(format!(
                    "has a finding without a `fingerprint` (finding {}); it was written by an older stakelint",
                    i + 1
                ));
            };
            *counts.entry(fp.to_owned()).or_insert(0) += 1;
        }
        Ok(Self { counts })
    }

    /// Number of findings in the baseline (unsuppressed ones).
    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the unsuppressed findings the baseline holds; returns how many were dropped.
    /// Suppressed findings are kept: they are listed (and do not count) anyway.
    pub fn filter(&self, db: &SourceDb, findings: &mut Vec<Finding>) -> usize {
        let mut left = self.counts.clone();
        let before = findings.len();
        findings.retain(|f| {
            if f.suppressed.is_some() {
                return true;
            }
            match left.get_mut(&fingerprint(db, f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        before - findings.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Origin, Span};
    use crate::source::files::SourceFile;

    fn finding(db: &SourceDb, file: &str, needle: &str, message: &str) -> Finding {
        let (id, f) = db.iter().find(|(_, f)| f.path == file).expect("file in db");
        let at = f.text().find(needle).expect("needle in text");
        let mut f = Finding::new(
            &crate::rules::vc_single_writer::META,
            Some(Origin::new(id, Span::new(at, needle.len()))),
            message,
        );
        f.environment = Some("prod-1".into());
        f
    }

    fn db(texts: &[(&str, &str)]) -> SourceDb {
        let mut db = SourceDb::default();
        for (path, text) in texts {
            db.add(SourceFile::new((*path).to_owned(), *text));
        }
        db
    }

    #[test]
    fn fingerprints_ignore_lines_counts_and_dot_slash() {
        let a = db(&[("inv.yaml", "a: 1\nreplicas:   2\n")]);
        let b = db(&[("./inv.yaml", "# a comment\n\na: 1\nreplicas: 2\n")]);
        let fa = finding(
            &a,
            "inv.yaml",
            "2",
            "validator client `vc-1` runs 2 replicas",
        );
        let fb = finding(
            &b,
            "./inv.yaml",
            "2",
            "validator client `vc-1` runs 3 replicas",
        );
        assert_eq!(fingerprint(&a, &fa), fingerprint(&b, &fb));
        assert_eq!(fingerprint(&a, &fa).len(), 64);
    }

    #[test]
    fn fingerprints_differ_by_name_text_rule_and_environment() {
        let d = db(&[("inv.yaml", "replicas: 2\nreplicas: 3\n")]);
        let base = finding(&d, "inv.yaml", "2", "client `vc-1` runs");
        let fp = fingerprint(&d, &base);
        let other_name = finding(&d, "inv.yaml", "2", "client `vc-2` runs");
        let other_text = finding(&d, "inv.yaml", "3", "client `vc-1` runs");
        let mut other_env = base.clone();
        other_env.environment = Some("prod-2".into());
        let mut other_rule = base.clone();
        other_rule.rule = "duplicate-keys";
        for f in [&other_name, &other_text, &other_env, &other_rule] {
            assert_ne!(fingerprint(&d, f), fp, "{f:?}");
        }
    }

    #[test]
    fn names_and_text_normalise() {
        assert_eq!(
            quoted_names("a `x` b `y` c `unterminated").collect::<Vec<_>>(),
            ["x", "y"]
        );
        assert_eq!(normal_text("\"eu-west-1\""), "eu-west-1");
        assert_eq!(normal_text("{count:\n   12}"), "{count: 12}");
        assert_eq!(normal_text("\""), "\"");
        assert_eq!(normal_path(".\\a\\b.yaml"), "a/b.yaml");
    }

    #[test]
    fn baseline_counts_fingerprints_and_skips_suppressed_entries() {
        let d = db(&[("inv.yaml", "replicas: 2\n")]);
        let f = finding(&d, "inv.yaml", "2", "client `vc-1` runs");
        let fp = fingerprint(&d, &f);
        let text = format!(
            r#"{{"version": 1, "findings": [
                {{"fingerprint": "{fp}", "suppressed": false}},
                {{"fingerprint": "{fp}", "suppressed": true}}]}}"#
        );
        let b = Baseline::parse(&text).expect("valid baseline");
        assert_eq!(b.len(), 1);
        let mut findings = vec![f.clone(), f.clone()];
        assert_eq!(b.filter(&d, &mut findings), 1, "one of two is new");
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn bad_baselines_are_errors_not_panics() {
        for (text, why) in [
            ("nope", "is not JSON"),
            ("{\"version\": 2, \"findings\": []}", "version 1"),
            ("{\"version\": 1}", "no `findings`"),
            (
                "{\"version\": 1, \"findings\": [{\"suppressed\": false}]}",
                "without a `fingerprint`",
            ),
        ] {
            let e = Baseline::parse(text).expect_err(text);
            assert!(e.contains(why), "{e}");
        }
    }
}
