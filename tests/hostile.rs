//! Hostile inputs (issue 9, SPEC §8): every broken, huge, binary or booby-trapped input
//! gives a diagnostic and exit code 2 for that input, the other inputs are still linted,
//! and nothing panics, hangs or eats memory. Also the filesystem cases (symlink loops,
//! links out of the tree, FIFOs, unreadable files, many files, odd names) and output
//! injection (terminal escapes, CI workflow commands, markup) in every format.
//!
//! Every run has a wall-clock limit (a hang fails the test instead of blocking it) and,
//! on Linux, an address-space limit (unbounded memory fails instead of swapping).

#![allow(clippy::many_single_char_names)]

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-29";
/// Longer than any run needs: a run that takes this long counts as a hang.
const HANG: Duration = Duration::from_secs(120);
/// Address space allowed to one run (KiB): far below what an alias bomb would take.
const MEMORY_KIB: u64 = 4 * 1024 * 1024;

/// A manifest with a `vc-single-writer` finding, to check that the other inputs are linted.
const GOOD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: good-vc
  namespace: eth
  labels:
    stakelint.io/environment: prod
spec:
  replicas: 2
  selector:
    matchLabels: {app: good-vc}
  template:
    metadata:
      labels: {app: good-vc}
    spec:
      containers:
        - name: lighthouse
          image: sigp/lighthouse:v7.0.1
          args: [lighthouse, vc, --beacon-nodes=http://bn:5052]
";

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

/// Runs `stakelint ARGS…` with a time and (on Linux) a memory limit; stdin is empty.
fn stakelint(args: &[&str]) -> Run {
    let bin = env!("CARGO_BIN_EXE_stakelint");
    let mut c = if cfg!(target_os = "linux") {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.args(args)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().expect("stakelint starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stakelint {args:?} hung (killed after {HANG:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&ereader.join().unwrap()).into_owned(),
        took: start.elapsed(),
    };
    assert!(
        status.code().is_some(),
        "stakelint {args:?} was killed by a signal (stack overflow or out of memory?):\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
    run
}

fn lint(args: &[&str]) -> Run {
    let mut all = vec!["lint", "--today", TODAY];
    all.extend_from_slice(args);
    stakelint(&all)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("stakelint-hostile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }
    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for e in walk(&self.0) {
                let _ = std::fs::set_permissions(&e, std::fs::Permissions::from_mode(0o755));
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = vec![p.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// Rules of the findings in a JSON report, with their paths.
fn findings(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The input errors of a JSON report: (code, path, line).
fn errors(v: &Value) -> Vec<(String, String, u64)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["location"]["path"]
                .as_str()
                .or(e["path"].as_str())
                .unwrap_or("")
                .to_owned();
            (
                e["code"].as_str().unwrap().to_owned(),
                path,
                e["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn error_for<'a>(errs: &'a [(String, String, u64)], file: &str) -> &'a (String, String, u64) {
    errs.iter()
        .find(|(_, p, _)| p.ends_with(file))
        .unwrap_or_else(|| panic!("no error for {file}: {errs:?}"))
}

/// Paths of the `vc-single-writer` findings (each file once).
fn singles(v: &Value) -> Vec<String> {
    let mut paths: Vec<String> = findings(v)
        .into_iter()
        .filter(|(r, _)| r == "vc-single-writer")
        .map(|(_, p)| p)
        .collect();
    paths.dedup();
    paths
}

fn good_is_linted(v: &Value) {
    assert!(
        findings(v)
            .iter()
            .any(|(r, p)| r == "vc-single-writer" && p.ends_with("good.yaml")),
        "the good input is still linted: {:?}",
        findings(v)
    );
}

fn billion_laughs() -> String {
    let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn hostile_yaml_gives_located_errors_and_the_rest_is_linted() {
    let d = TempDir::new("yaml");
    d.write("good.yaml", GOOD);
    d.write("bomb.yaml", billion_laughs());
    d.write(
        "deep-flow.yaml",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    d.write(
        "deep-map.json",
        "{\"a\":".repeat(100_000) + &"}".repeat(100_000),
    );
    d.write(
        "deep-block.yaml",
        (0..2_000).fold(String::new(), |mut s, i| {
            s.push_str(&"  ".repeat(i));
            s.push_str("- \n");
            s
        }),
    );
    d.write(
        "dup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n",
    );
    d.write(
        "binary.yaml",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    );
    d.write("nul.yaml", "apiVersion: v1\nkind: ConfigMap\0\n");
    d.write("latin1.yaml", b"metadata:\n  name: caf\xe9\n".as_slice());
    d.write(
        "bigint.yaml",
        GOOD.replace("replicas: 2", &format!("replicas: {}", "9".repeat(400))),
    );
    d.write("tabs.yaml", "metadata:\n\tname: x\n");
    d.write("unterminated.yaml", "metadata: {name: \"x\n");
    d.write("empty.yaml", "");
    d.write("empty-docs.yaml", "---\n---\n...\n---\n");
    let r = lint(&["--format", "json", d.s()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    good_is_linted(&v);
    let errs = errors(&v);
    for file in [
        "bomb.yaml",
        "deep-flow.yaml",
        "deep-map.json",
        "deep-block.yaml",
        "dup.yaml",
        "tabs.yaml",
        "unterminated.yaml",
    ] {
        let (_, _, line) = error_for(&errs, file);
        assert!(*line >= 1, "{file}: an error with a line: {errs:?}");
    }
    assert_eq!(error_for(&errs, "dup.yaml").2, 3, "the second `kind`");
    for file in ["binary.yaml", "nul.yaml", "latin1.yaml"] {
        assert_eq!(error_for(&errs, file).0, "encoding", "{errs:?}");
    }
    // an integer no field can hold is an error of that object, not a crash
    error_for(&errs, "bigint.yaml");
    // empty files and empty documents are not errors
    assert!(
        !errs.iter().any(|(_, p, _)| p.contains("empty")),
        "{errs:?}"
    );
    // the human report says the same on stderr, with positions
    let h = lint(&[d.s()]);
    assert_eq!(h.code, 2);
    assert!(h.stderr.contains("dup.yaml:3:"), "{}", h.stderr);
}

#[test]
fn bom_and_crlf_files_read_like_any_other() {
    let d = TempDir::new("bom");
    d.write(
        "good.yaml",
        format!("\u{feff}{}", GOOD.replace('\n', "\r\n")),
    );
    let r = lint(&["--format", "json", d.s()]);
    let v = r.json();
    assert!(errors(&v).is_empty(), "{}", r.stdout);
    good_is_linted(&v);
    // the same place as without the BOM and CRLFs: `kind: Deployment`
    let f = &v["findings"][0];
    assert_eq!(
        (&f["location"]["line"], &f["location"]["column"]),
        (&Value::from(2), &Value::from(7)),
        "{f}"
    );
    let h = lint(&[d.s()]);
    assert!(!h.stdout.contains('\r'), "no raw CR in human output");
}

#[test]
fn a_huge_file_is_refused_from_its_size_without_being_read() {
    let d = TempDir::new("huge");
    d.write("good.yaml", GOOD);
    let f = std::fs::File::create(d.0.join("huge.yaml")).unwrap();
    // sparse: 2 GiB that take no disk space; reading them would take seconds and 2 GiB
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    let r = lint(&["--format", "json", d.s()]);
    assert_eq!(r.code, 2);
    let v = r.json();
    good_is_linted(&v);
    let errs = errors(&v);
    assert_eq!(error_for(&errs, "huge.yaml").0, "too-large");
    assert!(r.took < Duration::from_secs(20), "not read: {:?}", r.took);
    let h = lint(&[d.s()]);
    assert!(
        h.stderr
            .contains("is 2.0 GiB, above the --max-file-size of 64.0 MiB"),
        "{}",
        h.stderr
    );
    // the limit is a flag, and applies to named files and stdin alike
    let small = lint(&[
        "--max-file-size",
        "100",
        "--format",
        "json",
        d.0.join("good.yaml").to_str().unwrap(),
    ]);
    assert_eq!(errors(&small.json())[0].0, "too-large");
}

#[cfg(unix)]
mod fs {
    use super::*;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn is_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    }

    fn mkfifo(p: &Path) {
        let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
        assert!(ok, "mkfifo");
    }

    #[test]
    fn symlink_loops_end_and_the_rest_is_linted() {
        let d = TempDir::new("loop");
        d.write("sub/good.yaml", GOOD);
        symlink(&d.0, d.0.join("sub/back")).unwrap();
        symlink("self.yaml", d.0.join("self.yaml")).unwrap();
        for follow in [false, true] {
            let mut args = vec!["--format", "json", d.s()];
            if follow {
                args.push("--follow-symlinks");
            }
            let r = lint(&args);
            let v = r.json();
            good_is_linted(&v);
            assert_eq!(singles(&v).len(), 1, "linted once: {}", r.stdout);
        }
    }

    #[test]
    fn links_out_of_the_tree_are_followed_only_when_asked() {
        let outside = TempDir::new("outside");
        outside.write("good.yaml", GOOD);
        let d = TempDir::new("tree");
        symlink(outside.0.join("good.yaml"), d.0.join("link.yaml")).unwrap();
        let r = lint(&["--format", "json", d.s()]);
        assert_eq!(r.code, 0, "{}", r.stdout);
        assert!(findings(&r.json()).is_empty());
        let r = lint(&["--format", "json", "--follow-symlinks", d.s()]);
        assert!(
            findings(&r.json())
                .iter()
                .any(|(_, p)| p.ends_with("link.yaml")),
            "{}",
            r.stdout
        );
    }

    #[test]
    fn fifos_and_devices_never_block() {
        let d = TempDir::new("fifo");
        d.write("good.yaml", GOOD);
        mkfifo(&d.0.join("pipe.yaml"));
        // walked: skipped
        let r = lint(&["--format", "json", d.s()]);
        let v = r.json();
        good_is_linted(&v);
        assert!(errors(&v).is_empty(), "{}", r.stdout);
        assert!(r.took < Duration::from_secs(30));
        // named: an error, not a blocking open
        let fifo = d.0.join("pipe.yaml");
        let r = lint(&["--format", "json", fifo.to_str().unwrap(), "/dev/zero"]);
        assert_eq!(r.code, 2);
        let errs = errors(&r.json());
        assert!(error_for(&errs, "pipe.yaml").1.contains("pipe"), "{errs:?}");
        error_for(&errs, "/dev/zero");
        let h = lint(&[fifo.to_str().unwrap()]);
        assert!(
            h.stderr.contains("is a FIFO, not a regular file"),
            "{}",
            h.stderr
        );
    }

    #[test]
    fn unreadable_files_are_errors_and_the_rest_is_linted() {
        let d = TempDir::new("unreadable");
        d.write("good.yaml", GOOD);
        let p = d.write("secret.yaml", GOOD);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        let r = lint(&["--format", "json", d.s()]);
        let v = r.json();
        good_is_linted(&v);
        if !is_root() {
            assert_eq!(r.code, 2);
            assert_eq!(error_for(&errors(&v), "secret.yaml").0, "io");
        }
    }

    #[test]
    fn odd_path_names_are_read_and_shown() {
        let d = TempDir::new("names");
        let dir = d.0.join("with space");
        std::fs::create_dir_all(&dir).unwrap();
        let mut name = b"bad-\xff-\x1b[31m".to_vec();
        name.extend_from_slice(b".yaml");
        let p = dir.join(std::ffi::OsStr::from_bytes(&name));
        std::fs::write(&p, GOOD).unwrap();
        let r = lint(&["--format", "json", d.s()]);
        let v = r.json();
        assert_eq!(singles(&v).len(), 1, "{}", r.stdout);
        assert!(singles(&v)[0].contains("with space/bad-\u{fffd}-"));
        let h = lint(&[d.s()]);
        assert!(!h.stdout.contains('\x1b'), "{}", h.stdout);
        assert!(h.stdout.contains("\\u{1b}"), "{}", h.stdout);
    }

    #[test]
    fn a_directory_of_100000_small_files() {
        let d = TempDir::new("many");
        for i in 0..100_000 {
            let sub = d.0.join(format!("{:03}", i % 1000));
            if i < 1000 {
                std::fs::create_dir_all(&sub).unwrap();
            }
            std::fs::write(sub.join(format!("{i}.yaml")), "a: 1\n").unwrap();
        }
        d.write("good.yaml", GOOD);
        let r = lint(&["--format", "json", d.s()]);
        let v = r.json();
        good_is_linted(&v);
        assert_eq!(v["summary"]["files"], 100_001);
    }
}

/// A Deployment whose attacker-controlled name, label and annotation try to forge output.
fn injecting() -> String {
    GOOD.replace(
        "  name: good-vc\n",
        "  name: \"vc\\e[2J\\e]0;pwned\\a\\r\\n::error file=x::forged\\n  ::warning::x <script>alert(1)</script> **b** | c \\u202e\"\n  annotations:\n    note: \"\\e[31m::set-env name=A::b\"\n",
    )
}

#[test]
fn output_cannot_be_forged_by_the_inputs() {
    let d = TempDir::new("inject");
    d.write("good.yaml", GOOD);
    d.write("inject.yaml", injecting());
    // a syntax error whose snippet holds raw control characters
    d.write(
        "raw.yaml",
        "a: [\x1b[2J\x1b]0;title\x07\r::error::raw\n::error::raw2\n",
    );
    let dir = d.s();
    let every = ["human", "json", "sarif", "junit", "github", "markdown"];
    for format in every {
        let r = lint(&["--format", format, dir]);
        assert_eq!(r.code, 2, "{format}");
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(!text.contains('\x1b'), "{format} {what}: raw ESC:\n{text}");
            assert!(!text.contains('\x07'), "{format} {what}: raw BEL");
            assert!(!text.contains('\r'), "{format} {what}: raw CR");
            if format == "human" || format == "github" {
                assert!(
                    !text.contains('\u{202e}'),
                    "{format} {what}: raw bidi override"
                );
            }
            for line in text.lines() {
                let l = line.trim_start();
                let ours = format == "github"
                    && what == "stdout"
                    && (l.starts_with("::error ")
                        || l.starts_with("::warning ")
                        || l.starts_with("::notice ")
                        || l.starts_with("::error::"));
                assert!(
                    !l.starts_with("::") || ours,
                    "{format} {what}: a forged workflow command: {line}"
                );
            }
        }
        match format {
            "json" | "sarif" => {
                serde_json::from_str::<Value>(&r.stdout).expect("valid JSON");
            }
            "junit" => {
                roxmltree::Document::parse(&r.stdout).expect("valid XML");
            }
            "markdown" => {
                // markup from the inputs stays text: only inside code spans (which show
                // `<` literally) may it appear as itself
                for line in r.stdout.lines() {
                    for (i, part) in line.split('`').enumerate() {
                        assert!(i % 2 == 1 || !part.contains("<script"), "{line}");
                    }
                }
                assert!(r.stdout.contains("&lt;script&gt;") || r.stdout.contains('`'));
            }
            "github" => {
                // one command per line (the name's line breaks are escaped), then the summary
                let lines: Vec<&str> = r.stdout.lines().collect();
                for line in &lines[..lines.len() - 1] {
                    assert!(
                        ["::error ", "::warning ", "::notice "]
                            .iter()
                            .any(|c| line.starts_with(c)),
                        "{line}"
                    );
                }
                assert!(lines[lines.len() - 1].starts_with("stakelint: "));
                assert!(
                    r.stdout.contains("%0D%0A::error file=x::forged"),
                    "{}",
                    r.stdout
                );
            }
            _ => {}
        }
    }
    // the human report shows the characters as escapes
    let h = lint(&[dir]);
    assert!(h.stdout.contains("\\u{1b}[2J"), "{}", h.stdout);
    assert!(h.stderr.contains("\\u{1b}[2J"), "{}", h.stderr);
}

/// A config, client-share table or baseline that is a device or FIFO is an error, never a
/// read that does not end (a committed `.stakelint.yaml` may be a symlink to /dev/zero).
#[cfg(unix)]
#[test]
fn config_share_table_and_baseline_from_a_device_are_errors_not_hangs() {
    for flag in ["--config", "--client-shares", "--baseline"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stakelint"))
            .args([
                "lint",
                "fixtures/example",
                "--today",
                "2026-11-29",
                flag,
                "/dev/zero",
            ])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{flag}: {stderr}");
    }
}
