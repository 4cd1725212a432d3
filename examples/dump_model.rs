#![allow(clippy::print_stdout)]
//! Prints the model stakelint builds from its inputs (a debugging aid):
//! `cargo run --example dump_model -- PATH...`
fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let loaded = stakelint::source::load::load(&paths);
    for env in &loaded.model.environments {
        println!("env {}", env.name.value);
        for p in &env.pairs {
            let c = |r: &Option<stakelint::model::ClientRef>| {
                r.as_ref().map_or("?".to_owned(), |c| {
                    format!(
                        "{}@{}",
                        c.client.value,
                        c.version.as_ref().map_or("?", |v| v.value.as_str())
                    )
                })
            };
            println!(
                "  pair {} {}:{} region={:?} placement={:?}",
                p.name.value,
                c(&p.consensus),
                c(&p.execution),
                p.region.as_ref().map(|r| &r.value),
                p.placement
            );
        }
        for v in &env.validator_clients {
            println!(
                "  vc {} client={:?} replicas={} dg={:?} signer={:?} keys={} runs={:?}",
                v.name.value,
                v.client.as_ref().map(|c| &c.value),
                v.replicas.value,
                v.doppelganger.as_ref().map(|d| d.value),
                v.signer.as_ref().map(|s| &s.value),
                v.keys.pubkeys.len(),
                v.concurrent_runs
                    .iter()
                    .map(|r| &r.value)
                    .collect::<Vec<_>>()
            );
        }
        for s in &env.signers {
            println!(
                "  signer {} {:?} instances={} sp={:?} keys={}",
                s.name.value,
                s.kind.value,
                s.instances.value,
                s.slashing_protection.as_ref().map(|d| d.value),
                s.keys.pubkeys.len()
            );
        }
        for i in &env.images {
            println!("  image {} {} {}", i.client, i.workload, i.image.value);
        }
        for u in &env.unrecognised {
            println!("  unrecognised {} {}", u.workload.value, u.image.value);
        }
    }
    for u in &loaded.model.unassigned_keys {
        println!("unassigned {} {}", u.source.value, u.keys.len());
    }
    for e in &loaded.errors {
        println!("error {:?}", e.message);
    }
    println!("notes {}", loaded.notes.len());
}
