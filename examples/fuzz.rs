//! A stable-toolchain fuzzer for the targets of `fuzz/harness.rs` (cargo-fuzz needs
//! nightly): mutates the inputs of `fuzz/corpus/<target>/` (bit flips, byte edits, cut,
//! duplicate, splice, YAML/JSON tokens and hostile strings inserted) and runs each target
//! on them for a while.
//!
//! ```text
//! nice -n 19 cargo run --release --example fuzz -- --seconds 600 yaml keyfiles
//! ```
//!
//! - a panic (or a broken output invariant) saves the input as
//!   `fuzz/corpus/<target>/crash-<hash>` and is counted; the run goes on;
//! - an input that takes longer than 10 s is saved as `hang-<hash>` and ends the run;
//! - an input with an outcome not seen before (a new kind of error, a new set of rules
//!   firing) is kept as `new-<hash>` (at most 50 per run), so the corpus grows in variety.
//!
//! No coverage feedback: outcomes stand in for it. `tests/fuzz_corpus.rs` replays the
//! corpus in `cargo test`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tokens that steer mutations toward the parsers' interesting corners.
const TOKENS: &[&str] = &[
    "&a ",
    "*a",
    "&b [*a, *a, *a, *a]",
    "<<: *a\n",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    "- ",
    "\n",
    "\r\n",
    "\t",
    "---\n",
    "...\n",
    "? ",
    "!!binary ",
    "!!str ",
    "!custom ",
    "|\n  ",
    ">-\n  ",
    "\"",
    "'",
    "\\u0000",
    "\\e[31m",
    "\x1b[2J",
    "\u{7}",
    "\r",
    "\0",
    "\u{feff}",
    "\u{202e}",
    "\u{85}",
    "::error::x",
    "\n::warning::y",
    "<script>",
    "`",
    "|",
    "%0A",
    "0x",
    "0o17",
    "0644",
    "1e999",
    "-.inf",
    ".nan",
    "99999999999999999999999999",
    "-9223372036854775809",
    "~",
    "null",
    "true",
    "yes",
    "kind: Secret\n",
    "kind: List\nitems:\n- ",
    "apiVersion: v1\n",
    "apiVersion: apps/v1\nkind: StatefulSet\n",
    "apiVersion: stakelint.io/v1\nkind: Inventory\n",
    "metadata: {name: x, namespace: y}\n",
    "replicas: 2\n",
    "data: {k: YWJj}\n",
    "\"pubkey\": \"0x",
    "\"crypto\": {",
    "\"version\": 4",
    "\"data\": [",
    "0xa",
    "ffffffff",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(9) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [
                    0, 0x1b, b'\n', b'\t', b':', b'-', b'"', 0xff, 0xc3, b'&', b'*', b'{',
                ][rng.below(12)];
            }
            2 | 3 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            4 if !v.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                let start = at.min(end.saturating_sub(1));
                v.drain(start..end);
            }
            5 if !v.is_empty() => {
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(256)).min(v.len());
                let chunk = v[start..end].to_vec();
                let most = if rng.below(16) == 0 { 2_000 } else { 4 };
                let reps = 1 + rng.below(most);
                for _ in 0..reps {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(512)).min(other.len());
                    v.splice(at..at, other[start..end].iter().copied());
                }
            }
            7 => {
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
            _ => {
                // nesting
                let depth = 1 + rng.below(300);
                let (open, close) = if rng.below(2) == 0 {
                    ("[", "]")
                } else {
                    ("{a: ", "}")
                };
                let mut s = open.repeat(depth);
                s.push_str(&close.repeat(depth));
                v.splice(at..at, s.bytes());
            }
        }
    }
    v.truncate(1 << 20);
    v
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn load_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn main() {
    let mut seconds = 600u64;
    let mut seed = 0x5eed_u64;
    let mut targets = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--seconds N");
            }
            "--seed" => {
                seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N");
            }
            t => targets.push(t.to_owned()),
        }
    }
    if targets.is_empty() {
        targets = harness::TARGETS
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
    }
    // Panics are expected and counted: keep their messages short.
    let last_panic = Arc::new(Mutex::new(String::new()));
    let lp = Arc::clone(&last_panic);
    std::panic::set_hook(Box::new(move |info| {
        *lp.lock().unwrap() = format!("{info}");
    }));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for name in targets {
        let Some((_, target)) = harness::TARGETS.iter().find(|(n, _)| *n == name) else {
            eprintln!("unknown target `{name}`");
            std::process::exit(2);
        };
        fuzz(
            &root.join(&name),
            &name,
            *target,
            seconds,
            seed,
            &last_panic,
        );
    }
}

fn fuzz(
    dir: &Path,
    name: &str,
    target: harness::Target,
    seconds: u64,
    seed: u64,
    last_panic: &Mutex<String>,
) {
    let mut corpus = load_corpus(dir);
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let mut rng = Rng(seed ^ hash(name.as_bytes()) | 1);
    // Watchdog: an input running for more than 10 s is a hang.
    let started = Arc::new(AtomicU64::new(0));
    let current = Arc::new(Mutex::new(Vec::<u8>::new()));
    let clock = Instant::now();
    {
        let (started, current, dir) = (Arc::clone(&started), Arc::clone(&current), dir.to_owned());
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let s = started.load(Ordering::Relaxed);
                let now = clock.elapsed().as_millis() as u64;
                if s > 0 && now.saturating_sub(s) > 10_000 {
                    let input = current.lock().unwrap().clone();
                    let path = dir.join(format!("hang-{:016x}", hash(&input)));
                    let _ = std::fs::write(&path, &input);
                    eprintln!("HANG: {} ({} bytes)", path.display(), input.len());
                    std::process::exit(1);
                }
            }
        });
    }
    let mut outcomes: HashSet<String> = HashSet::new();
    let mut failing = 0;
    for c in &corpus {
        if let Ok(sig) = std::panic::catch_unwind(|| target(c)) {
            outcomes.insert(sig);
        } else {
            failing += 1;
            eprintln!(
                "corpus input of {name} fails: {}",
                last_panic.lock().unwrap()
            );
        }
    }
    if failing > 0 {
        eprintln!("{name}: {failing} corpus inputs fail");
    }
    let (mut runs, mut crashes, mut kept) = (0u64, 0u64, 0usize);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let base = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &base, &corpus);
        current.lock().unwrap().clone_from(&input);
        started.store(clock.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let result = std::panic::catch_unwind(|| target(&input));
        started.store(0, Ordering::Relaxed);
        runs += 1;
        match result {
            Err(_) => {
                crashes += 1;
                let path = dir.join(format!("crash-{:016x}", hash(&input)));
                if !path.exists() {
                    eprintln!(
                        "CRASH {name}: {} — {}",
                        path.display(),
                        last_panic.lock().unwrap()
                    );
                    let _ = std::fs::write(&path, &input);
                }
            }
            Ok(sig) => {
                if kept < 50 && input.len() <= 64 * 1024 && outcomes.insert(sig) {
                    kept += 1;
                    let _ = std::fs::write(dir.join(format!("new-{:016x}", hash(&input))), &input);
                    corpus.push(input);
                }
            }
        }
    }
    eprintln!(
        "{name}: {runs} runs in {seconds} s, {crashes} crashing inputs, {kept} new inputs kept, {} outcomes",
        outcomes.len()
    );
}
