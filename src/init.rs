//! `stakelint init`: the commented `.stakelint.yaml` (generated from the rules' metadata,
//! so it lists every rule with its default severity and parameters) and a starter
//! inventory that passes every guardrail.

use crate::rule::RuleMeta;
use crate::rules;

/// A starter inventory: one environment that follows every guardrail, to be edited.
pub const INVENTORY: &str = r#"# Starter inventory for stakelint. Describe each environment: one set of validator
# clients, remote signers and CL:EL pairs that serve the same keys. Replace the example
# values with yours, then run `stakelint lint`. The schema is in stakelint's README.
apiVersion: stakelint.io/v1
kind: Inventory
metadata:
  name: my-operator                 # operator name, used in reports
spec:
  environments:
    - name: prod-emea-1
      nodes:                        # one entry per CL:EL pair: three, on three hosts
        - name: pair-a
          host: host-a              # physical or virtual host
          region: eu-central-1      # provider region code, or one mapped in .stakelint.yaml
          consensus: {client: lighthouse, version: v8.0.1}
          execution: {client: nethermind, version: 1.35.2}
        - name: pair-b
          host: host-b
          region: eu-west-1
          consensus: {client: teku, version: 25.11.1}
          execution: {client: besu, version: 25.11.0}
        - name: pair-c
          host: host-c
          region: eu-north-1
          consensus: {client: nimbus, version: v25.11.1}
          execution: {client: geth, version: v1.16.7}
      validatorClients:
        - name: vc-1
          client: lighthouse        # lighthouse, prysm, teku, nimbus, lodestar, grandine, vouch
          replicas: 1               # one process per set of keys, never more
          doppelganger: true
          feeRecipient: "0x0000000000000000000000000000000000000000"   # yours; see expected_fee_recipient
          signer: w3s-1             # a remote signer of this environment; omit for local keys
          keys: {count: 100}        # or pubkeys: [0x…] (0x + 96 hex digits)
      signers:
        - name: w3s-1
          kind: web3signer          # web3signer | dirk
          instances: 3
          slashingProtection: true
          keys: {count: 100}
      # ignore:                     # suppress a rule for this environment, with a reason
      #   - {rule: geo-area, reason: "why this is acceptable", expires: 2027-01-01}
"#;

/// Words of `text` wrapped into `# `-comment lines of at most `width` characters.
fn comment(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + 2 + line.len() + 1 + word.len() > width {
            out.push_str(&format!("{indent}# {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}# {line}\n"));
    }
    out
}

fn rule_entry(m: &RuleMeta) -> String {
    let mut s = comment(&format!("{} — {}", m.id, m.summary()), "  ", 90);
    let mut defaults = vec![format!("severity: {}", m.severity.as_str())];
    for p in m.params {
        let value = if p.integer {
            (p.default as u64).to_string()
        } else {
            p.default.to_string()
        };
        defaults.push(format!("{}: {value}", p.name));
    }
    s.push_str(&format!("  # default: {{{}}}\n", defaults.join(", ")));
    s.push_str(&format!("  {}: {{}}\n", m.id));
    s
}

/// The commented `.stakelint.yaml` that `init` writes: every rule with an empty entry
/// (`blast-radius: {}`) under a comment saying what it checks and its defaults, so it
/// changes nothing until edited. Empty entries, rather than commented-out ones, keep runs
/// of comment lines short (the YAML parser buffers at most 96 comments while looking
/// ahead for a value).
pub fn config_text() -> String {
    let mut s = String::from(
        "# stakelint configuration, read from the current directory or a parent (or the file\n\
         # given with --config). As written it changes nothing: every rule runs with its\n\
         # defaults. `stakelint explain RULE` documents a rule.\n\
         #\n\
         # Set a rule's settings in its `{}`, e.g. `blast-radius: {severity: warning, max_keys: 500}`,\n\
         # or `geo-area: off`. Severities: off | info | warning | error. A configured severity\n\
         # applies to every finding of the rule; `off` also drops its `not-assessed` notes.\n\
         rules:\n",
    );
    for r in rules::ALL {
        s.push_str(&rule_entry(r.meta()));
    }
    s.push_str(
        "\n\
         # Extra region → area mappings (AMERS, EMEA, APAC) for regions the built-in table\n\
         # does not know (e.g. your own data centres).\n\
         # regions:\n\
         #   my-dc-ams: EMEA\n\
         \n\
         # A client-share table instead of the built-in one, relative to this file\n\
         # (`--client-shares` wins). Format: see `rules/data/client-shares.yaml`.\n\
         # client_shares: data/client-shares.yaml\n\
         \n\
         # Waivers suppress a rule in one environment (or every one, without `environment`).\n\
         # A reason is required; past `expires` a waiver stops suppressing and is reported.\n\
         # waivers:\n\
         #   - rule: geo-area\n\
         #     environment: prod-emea-1\n\
         #     reason: \"single-area by design, approved 2026-01\"\n\
         #     expires: 2027-01-01\n\
         \n\
         # The fee recipient every validator client must use (`fee-recipient`); for Lido\n\
         # node operators the mainnet execution-layer rewards vault:\n\
         # expected_fee_recipient: \"0x388C818CA8B9251b393131C08a736A67ccB19297\"\n\
         \n\
         # The MEV relays mev-boost may use (`mev-relay-allowlist`), as mev-boost takes them:\n\
         # relay_allowlist:\n\
         #   - https://0x<relay public key>@<relay host>\n",
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_lists_every_rule_and_wraps_comments() {
        let text = super::config_text();
        for r in crate::rules::ALL {
            assert!(
                text.contains(&format!("\n  {}: {{}}\n", r.meta().id)),
                "{}",
                r.meta().id
            );
        }
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    }
}
