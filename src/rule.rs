//! The rule trait, rule metadata, severities and the check context.

use crate::data::RuleData;
use crate::finding::Finding;
use crate::model::Origin;
use std::collections::HashMap;

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule parameter and its default.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub default: f64,
    /// Whether the value must be a whole number.
    pub integer: bool,
    pub doc: &'static str,
}

/// Everything known about a rule without running it.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case id, a contract: never renamed.
    pub id: &'static str,
    pub severity: Severity,
    pub params: &'static [Param],
    /// The rule's doc comment (`## What it does`, `## Why is this bad?`, `## Example`, …).
    pub raw_docs: &'static str,
}

impl RuleMeta {
    /// Docs without the one-space indent doc comments carry.
    pub fn docs(&self) -> String {
        self.raw_docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The text of one `## Heading` section of the docs.
    pub fn section(&self, heading: &str) -> Option<String> {
        let docs = self.docs();
        let start = docs.find(&format!("## {heading}"))?;
        let body = &docs[start..];
        let body = &body[body.find('\n').map_or(body.len(), |i| i + 1)..];
        let end = body.find("\n## ").unwrap_or(body.len());
        Some(body[..end].trim().to_owned())
    }

    /// One line: the first sentence of "What it does".
    pub fn summary(&self) -> String {
        let what = self.section("What it does").unwrap_or_default();
        let first = what.split("\n\n").next().unwrap_or("");
        let flat = first.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat.find(". ") {
            Some(i) => flat[..=i].to_owned(),
            None => flat,
        }
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A guardrail check over the model.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, model: &crate::model::Model, cx: &mut CheckCtx<'_>);
}

/// What a rule can see besides the model, and where its findings go.
pub struct CheckCtx<'a> {
    pub data: &'a RuleData,
    meta: &'static RuleMeta,
    params: Option<&'a HashMap<String, f64>>,
    config: Option<&'a crate::config::Config>,
    findings: Vec<Finding>,
}

impl<'a> CheckCtx<'a> {
    pub fn new(
        meta: &'static RuleMeta,
        data: &'a RuleData,
        params: Option<&'a HashMap<String, f64>>,
    ) -> Self {
        Self {
            data,
            meta,
            params,
            config: None,
            findings: Vec::new(),
        }
    }

    /// Gives the rule the run's configuration (`expected_fee_recipient`, `relay_allowlist`).
    #[must_use]
    pub fn with_config(mut self, config: &'a crate::config::Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The run's configuration, when the rule was given one.
    pub fn config(&self) -> Option<&'a crate::config::Config> {
        self.config
    }

    /// A parameter's configured value, or its default.
    pub fn param(&self, name: &str) -> f64 {
        self.params
            .and_then(|p| p.get(name).copied())
            .or_else(|| self.meta.param(name).map(|p| p.default))
            .unwrap_or(0.0)
    }

    /// A whole-number parameter.
    pub fn param_u64(&self, name: &str) -> u64 {
        let v = self.param(name);
        if v <= 0.0 { 0 } else { v as u64 }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Says that this rule could not be assessed (an info finding of `not-assessed`).
    pub fn not_assessed(&mut self, env: Option<&str>, at: Option<Origin>, why: &str) {
        let mut f = Finding::new(
            &crate::rules::not_assessed::META,
            at,
            format!("`{}` not assessed: {why}", self.meta.id),
        );
        f.environment = env.map(str::to_owned);
        self.findings.push(f);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Declares a rule: a unit struct carrying its docs, and its `META`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            id: $id:literal,
            severity: $sev:ident
            $(, params: [$($param:expr),* $(,)?])?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        /// Metadata of this rule.
        pub static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            id: $id,
            severity: $crate::rule::Severity::$sev,
            params: &[$($($param),*)?],
            raw_docs: concat!($($doc, "\n"),*),
        };
    };
}
