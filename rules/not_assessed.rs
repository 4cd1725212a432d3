//! `not-assessed`: a rule could not be assessed for lack of data.

use crate::declare_rule;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports that another rule could not be assessed because the inputs do not say what it
    /// needs: no region for a pair, no key count for an environment, an execution client that
    /// could not be resolved, a client missing from the share table. The message names the
    /// rule and what is missing.
    ///
    /// ## Why is this bad?
    /// A linter that passes silently for lack of data gives false assurance: "no finding"
    /// must mean "checked and fine", never "could not tell". These findings show what to
    /// add to the inputs (usually to the inventory) so the guardrail is checked.
    ///
    /// ## Example
    /// A pair without `region:` makes `geo-spread` report `not-assessed`.
    /// Use instead: give every pair its region (`region: eu-central-1`).
    ///
    /// ## Notes
    /// Emitted by the other rules, never on its own; turning a rule off also drops its
    /// `not-assessed` findings. Set `not-assessed: off` in `.stakelint.yaml` to hide them all.
    pub NotAssessed { id: "not-assessed", severity: Info }
}

impl Rule for NotAssessed {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    /// The other rules report through `CheckCtx::not_assessed`; nothing to check here.
    fn check(&self, _model: &Model, _cx: &mut CheckCtx<'_>) {}
}

#[cfg(test)]
mod tests {
    use crate::rules::geo_spread::GeoSpread;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn other_rules_report_what_they_cannot_assess() {
        let y = inventory("nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b}\n");
        let f = run(&GeoSpread, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "not-assessed");
        assert!(
            f[0].2.starts_with("`geo-spread` not assessed"),
            "{}",
            f[0].2
        );
        assert_eq!(f[0].1, 9, "points at the pair without a region");
    }

    #[test]
    fn silent_when_everything_is_known() {
        let y = inventory(
            "nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b, region: eu-central-1}\n",
        );
        assert!(run(&GeoSpread, &y).is_empty());
    }
}
