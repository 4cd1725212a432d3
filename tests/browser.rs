//! The HTML report and aggregate in a real browser: headless Chromium renders each page
//! to a screenshot and dumps its DOM; the test asserts the page loaded (a non-trivial PNG
//! of the window's size, the expected headings and charts in the DOM) and that the browser
//! logged nothing — no blocked resource, no Content-Security-Policy violation, no script.
//!
//! `.ci/run` installs Debian's `chromium`. Without a browser the test fails, so that CI
//! cannot pass without it; set `STAKELINT_SKIP_BROWSER=1` to skip it on a machine without
//! one. `STAKELINT_CHROMIUM=/path/to/chrome` picks another binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STAKELINT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Runs a command with a time limit; returns (success, stdout, stderr).
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the browser starts");
    let start = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().expect("wait") {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the browser did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn stakelint(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_stakelint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("stakelint runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "stakelint {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

struct Page {
    file: &'static str,
    headings: &'static [&'static str],
}

#[test]
fn html_reports_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var("STAKELINT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("SKIPPED: no Chromium on this machine (STAKELINT_SKIP_BROWSER=1)");
            return;
        }
        panic!(
            "no Chromium found on the PATH: install it (Debian: apt-get install chromium; .ci/run does) or set STAKELINT_SKIP_BROWSER=1 to skip this test locally"
        );
    };
    let tmp = std::env::temp_dir().join(format!("stakelint-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let key = root().join("fixtures/report/signing/test-key.hex");
    let key = key.to_string_lossy();
    let r = |args: &[&str]| {
        let mut all = vec!["report", "--today", "2026-11-29", "--period", "2026-Q4"];
        all.extend_from_slice(args);
        stakelint(root(), &all);
    };
    let at = |name: &str| tmp.join(name).to_string_lossy().into_owned();
    stakelint(
        root(),
        &[
            "report",
            "fixtures/report/operator-a-previous",
            "--today",
            "2026-09-30",
            "--format",
            &format!("json={}", at("prev.json")),
        ],
    );
    r(&[
        "fixtures/report/operator-a",
        "--previous",
        &at("prev.json"),
        "--sign-key-file",
        &key,
        "--format",
        &format!("html={}", at("a.html")),
        "--format",
        &format!("json={}", at("a.json")),
    ]);
    r(&[
        "fixtures/report/operator-b",
        "--sign-key-file",
        &key,
        "--format",
        &format!("json={}", at("b.json")),
    ]);
    r(&[
        "fixtures/example",
        "--format",
        &format!("html={}", at("example.html")),
    ]);
    r(&[
        "fixtures/report/hostile",
        "--format",
        &format!("html={}", at("hostile.html")),
    ]);
    stakelint(
        &tmp,
        &[
            "aggregate",
            "a.json",
            "b.json",
            "--format",
            "html=aggregate.html",
        ],
    );
    let pages = [
        Page {
            file: "a.html",
            headings: &[
                "Guardrail compliance report: operator-a",
                "Executive summary",
                "Charts",
                "Changes since the last report",
                "Environment emea-1",
                "Findings",
                "Suppressions and waivers",
                "Inputs",
                "Signature",
            ],
        },
        Page {
            file: "example.html",
            headings: &["Executive summary", "Environment prod-amers-1", "Findings"],
        },
        Page {
            file: "hostile.html",
            headings: &["Executive summary", "Findings"],
        },
        Page {
            file: "aggregate.html",
            headings: &[
                "Guardrail compliance across operators",
                "Charts",
                "Keys per client, weighted by keys",
                "Operators out of compliance per guardrail",
                "Reports",
            ],
        },
    ];
    for page in pages {
        let html = tmp.join(page.file);
        let png = tmp.join(format!("{}.png", page.file));
        let profile = tmp.join(format!("profile-{}", page.file));
        let url = format!("file://{}", html.display());
        let base = |c: &mut Command| {
            c.args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()));
        };
        let mut shot = Command::new(&browser);
        base(&mut shot);
        shot.arg(format!("--screenshot={}", png.display()))
            .arg(&url);
        let (ok, _, err) = run_with_timeout(&mut shot, Duration::from_secs(120));
        assert!(ok, "{}: chromium failed:\n{err}", page.file);
        let console: Vec<&str> = err.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{}: the page logged:\n{}",
            page.file,
            console.join("\n")
        );
        let bytes = std::fs::read(&png)
            .unwrap_or_else(|e| panic!("{}: no screenshot: {e}\n{err}", page.file));
        assert_eq!(png_size(&bytes), (1200, 2000), "{}", page.file);
        assert!(
            bytes.len() > 40_000,
            "{}: a {}-byte screenshot is an empty page",
            page.file,
            bytes.len()
        );
        let mut dump = Command::new(&browser);
        base(&mut dump);
        dump.arg("--dump-dom").arg(&url);
        let (ok, dom, err) = run_with_timeout(&mut dump, Duration::from_secs(120));
        assert!(ok, "{}: --dump-dom failed:\n{err}", page.file);
        let text = dom.replace("<code>", "").replace("</code>", "");
        for h in page.headings {
            assert!(
                text.contains(h),
                "{}: heading `{h}` missing from the DOM",
                page.file
            );
        }
        assert!(
            dom.contains("<svg class=\"chart\""),
            "{}: no chart in the DOM",
            page.file
        );
        assert!(!dom.contains("<script"), "{}", page.file);
        if page.file == "hostile.html" {
            assert!(
                !dom.contains("<img") && !dom.contains("<iframe"),
                "an input name became markup"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
