//! Stage benchmarks — parse, model, rules, render — on generated operators
//! (`stakelint::fleet`) of 1,000 and 10,000 keys with their manifests. The whole-process
//! benchmark (wall time, throughput, peak memory up to 1M keys) is `scripts/bench.sh`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stakelint::app::{Request, analyze};
use stakelint::model::FileId;
use stakelint::report::{self, Format, Output};
use stakelint::source::files::SourceFile;
use std::hint::black_box;
use std::path::PathBuf;

fn fleet(keys: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stakelint-bench-fleet-{keys}"));
    if !dir.join("inventory/inventory.yaml").is_file() {
        let spec = stakelint::fleet::Spec {
            keys,
            environments: keys.div_ceil(1000),
            extra: 10,
            crd_kib: 0,
            one_namespace: false,
            annotate: false,
        };
        stakelint::fleet::generate(&spec, &dir).expect("generate the fleet");
    }
    dir
}

fn request(dir: &std::path::Path) -> Request {
    Request {
        paths: vec![dir.to_string_lossy().into_owned()],
        config: None,
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: stakelint::lint::Options::default(),
        namespace: String::new(),
    }
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    for keys in [1_000usize, 10_000] {
        let dir = fleet(keys);
        // parse: one environment's manifests through the span-tree YAML layer
        let text = std::fs::read_to_string(dir.join("deploy/env-0000.yaml")).expect("manifests");
        g.throughput(Throughput::Bytes(text.len() as u64));
        let src = SourceFile::new("env-0000.yaml".into(), text.as_str());
        g.bench_with_input(BenchmarkId::new("parse", keys), &src, |b, src| {
            b.iter(|| black_box(stakelint::source::yaml::parse_stream(FileId(0), src)));
        });
        // model: read, parse and build the model of the whole operator (all sources)
        g.throughput(Throughput::Elements(keys as u64));
        let paths = vec![dir.to_string_lossy().into_owned()];
        g.bench_with_input(BenchmarkId::new("model", keys), &paths, |b, paths| {
            b.iter(|| black_box(stakelint::source::load::load(paths)));
        });
        // rules + render on one analysis
        let a = analyze(&request(&dir));
        g.bench_with_input(BenchmarkId::new("lint-end-to-end", keys), &dir, |b, dir| {
            b.iter(|| black_box(analyze(&request(dir))));
        });
        let out = Output {
            db: &a.db,
            findings: &a.findings,
            errors: &a.errors,
            summary: a.summary,
        };
        g.bench_with_input(BenchmarkId::new("render-json", keys), &out, |b, out| {
            b.iter(|| black_box(report::render(Format::Json, out, false)));
        });
        g.bench_with_input(BenchmarkId::new("render-human", keys), &out, |b, out| {
            b.iter(|| black_box(report::render(Format::Human, out, false)));
        });
    }
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
