//! Tests about the rule set itself: ids, docs, fixtures and the README table.

use stakelint::rules::ALL;
use std::path::Path;

#[test]
fn ids_are_unique_sorted_kebab_case() {
    let ids: Vec<&str> = ALL.iter().map(|r| r.meta().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "rules::ALL must be sorted by id without duplicates"
    );
    for id in ids {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-'),
            "`{id}` is not kebab-case"
        );
    }
}

#[test]
fn every_rule_documents_what_why_and_example() {
    for r in ALL {
        let m = r.meta();
        for section in ["What it does", "Why is this bad?", "Example"] {
            let body = m.section(section).unwrap_or_default();
            assert!(body.len() > 20, "`{}` lacks a `## {section}` section", m.id);
        }
        assert!(!m.summary().is_empty(), "`{}` has no summary", m.id);
        for p in m.params {
            assert!(
                !p.doc.is_empty(),
                "`{}` parameter `{}` undocumented",
                m.id,
                p.name
            );
        }
    }
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    for r in ALL {
        let id = r.meta().id;
        for kind in ["fail", "pass"] {
            let dir = Path::new("fixtures").join(id).join(kind);
            let yaml = std::fs::read_dir(&dir)
                .unwrap_or_else(|_| panic!("missing {}", dir.display()))
                .filter_map(Result::ok)
                .any(|e| {
                    e.path()
                        .extension()
                        .is_some_and(|x| x == "yaml" || x == "json")
                });
            assert!(yaml, "{} has no YAML or JSON input", dir.display());
        }
    }
}

#[test]
fn readme_rule_table_is_in_sync() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let start = readme
        .find("<!-- rules:start -->")
        .expect("rules:start marker")
        + "<!-- rules:start -->".len();
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    let table = stakelint::cli::readme_rules_table();
    assert_eq!(
        readme[start..end].trim(),
        table.trim(),
        "README rule table is out of date; replace it with:\n{table}"
    );
}

#[test]
fn explain_and_rules_cover_every_rule() {
    let table = stakelint::cli::rules_text(stakelint::cli::RulesFormat::Table);
    for r in ALL {
        let id = r.meta().id;
        assert!(table.contains(id));
        let text = stakelint::cli::explain_text(id).expect("explain");
        assert!(text.starts_with(&format!("# {id} (")));
        assert!(text.contains("## Why is this bad?"));
    }
    assert!(stakelint::cli::explain_text("no-such-rule").is_none());
}
