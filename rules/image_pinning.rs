//! `image-pinning`: client images run an exact version or a digest.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

/// Tags that move: they name a channel, not a release.
const FLOATING: &[&str] = &[
    "latest", "stable", "main", "master", "develop", "dev", "nightly", "edge", "unstable", "beta",
];

declare_rule! {
    /// ## What it does
    /// Flags an Ethereum client or component image with no tag, the tag `latest`, or another
    /// moving tag (`stable`, `develop`, `nightly`, a tag without a version number). An image
    /// with a digest (`@sha256:…`) or an exact version tag passes.
    ///
    /// ## Why is this bad?
    /// A moving tag upgrades clients whenever a pod restarts: every pair of an environment can
    /// pick up the same buggy release at once (defeating client diversity), a hard-fork
    /// release can arrive unplanned or not at all, and nobody can tell from git which version
    /// ran during an incident.
    ///
    /// ## Example
    /// `image: sigp/lighthouse:latest`, or `image: ethereum/client-go`.
    /// Use instead: `image: sigp/lighthouse:v7.0.1`, or pin by digest.
    pub ImagePinning { id: "image-pinning", severity: Warning }
}

/// Why an image reference is not pinned, if it is not.
fn unpinned(image: &str) -> Option<String> {
    if crate::data::clients::has_digest(image) {
        return None;
    }
    match crate::data::clients::tag(image) {
        None => Some("has no tag (it runs `latest`)".to_owned()),
        Some(t) if FLOATING.contains(&t.to_ascii_lowercase().as_str()) => {
            Some(format!("uses the moving tag `{t}`"))
        }
        Some(t) if !t.chars().any(|c| c.is_ascii_digit()) => {
            Some(format!("uses the tag `{t}`, which names no version"))
        }
        Some(_) => None,
    }
}

impl Rule for ImagePinning {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for img in &env.images {
                if let Some(why) = unpinned(&img.image.value) {
                    cx.report(
                        Finding::new(
                            &META,
                            Some(img.image.origin),
                            format!("`{}` image of `{}` {why}", img.client, img.workload),
                        )
                        .env(&env.name.value)
                        .label("not pinned")
                        .help(
                            "pin an exact release tag (e.g. `:v7.0.1`) or a digest (`@sha256:…`)",
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn moving_tags_are_not_pinned() {
        assert!(unpinned("sigp/lighthouse").is_some());
        assert!(unpinned("sigp/lighthouse:latest").is_some());
        assert!(unpinned("registry:5000/sigp/lighthouse:stable").is_some());
        assert!(unpinned("ethereum/client-go:alltools").is_some());
    }

    #[test]
    fn versions_and_digests_are_pinned() {
        assert!(unpinned("sigp/lighthouse:v7.0.1").is_none());
        assert!(unpinned("statusim/nimbus-eth2:multiarch-v25.6.0").is_none());
        assert!(unpinned("registry:5000/geth@sha256:0123abcd").is_none());
        assert!(unpinned("geth:latest@sha256:0123abcd").is_none());
    }
}
