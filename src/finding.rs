//! Findings: what a rule says, where, and how to fix it.

use crate::model::Origin;
use crate::rule::{RuleMeta, Severity};

/// A second place a finding involves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub origin: Origin,
    pub message: String,
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub reason: String,
    /// The suppression entry.
    pub origin: Origin,
}

/// One finding of one rule.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Lower-case fragment, names in backticks, no trailing period.
    pub message: String,
    pub environment: Option<String>,
    /// Other environments the finding involves (e.g. the second holder of a duplicated key);
    /// `--environment` keeps the finding when any of them is selected.
    pub other_environments: Vec<String>,
    /// The place to change.
    pub primary: Option<Origin>,
    /// Label on the primary span.
    pub label: Option<String>,
    pub related: Vec<Related>,
    pub help: Option<String>,
    pub suppressed: Option<Suppressed>,
}

impl Finding {
    pub fn new(
        meta: &'static RuleMeta,
        primary: Option<Origin>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule: meta.id,
            severity: meta.severity,
            message: message.into(),
            environment: None,
            other_environments: Vec::new(),
            primary,
            label: None,
            related: Vec::new(),
            help: None,
            suppressed: None,
        }
    }

    #[must_use]
    pub fn env(mut self, env: &str) -> Self {
        self.environment = Some(env.to_owned());
        self
    }

    /// Records another environment the finding involves.
    #[must_use]
    pub fn also_env(mut self, env: &str) -> Self {
        if self.environment.as_deref() != Some(env)
            && !self.other_environments.iter().any(|e| e == env)
        {
            self.other_environments.push(env.to_owned());
        }
        self
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn related(mut self, origin: Origin, message: impl Into<String>) -> Self {
        self.related.push(Related {
            origin,
            message: message.into(),
        });
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `a`, `b` and `c` — names in backticks joined for a message.
pub fn names<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.into_iter().map(|s| format!("`{s}`")).collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        n => format!("{} and {}", v[..n - 1].join(", "), v[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_counts_and_names() {
        assert_eq!(super::thousands(1_234_567), "1,234,567");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::names(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
