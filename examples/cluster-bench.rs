#![allow(clippy::print_stdout, clippy::print_stderr)]
//! Live cluster mode against a local stand-in for the Kubernetes API server: every kind
//! stakelint reads (Secrets aside) served as P pages of K objects, each answer held back
//! by a fixed latency. Prints the wall time of `cluster::read`, the requests served, the
//! most requests answered at the same moment, and the two bounds the wall time falls
//! between: one request after another (requests × latency) and every kind at once (the
//! pages of one kind, which follow each other's `continue` token, × latency).
//!
//! `cargo run --release --example cluster-bench -- [--pages P] [--per-page K]
//! [--latency-ms L] [--runs R]` (defaults: 5 pages of 1 object, 50 ms, 3 runs).

use serde_json::json;
use stakelint::source::cluster::{self, Options, RESOURCES};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const NS: &str = "bench";

/// The stand-in server: what it serves and what it counted.
struct Server {
    pages: usize,
    per_page: usize,
    latency: Duration,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Server {
    /// Answers one list request (`…/PLURAL?limit=…[&continue=N]`): page N of the kind,
    /// after the latency, with the token of the next page unless it is the last.
    fn serve(&self, mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut head = Vec::new();
        let mut chunk = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let head = String::from_utf8_lossy(&head);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let plural = path.rsplit('/').next().unwrap_or("");
        let page: usize = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("continue="))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        std::thread::sleep(self.latency);
        let (status, body) = match RESOURCES.iter().find(|r| r.plural == plural) {
            Some(r) => {
                let items: Vec<_> = (0..self.per_page)
                    .map(|i| {
                        let name = format!("{plural}-{page}-{i}");
                        let mut meta = json!({"name": name, "uid": format!("uid-{name}")});
                        if r.namespaced {
                            meta["namespace"] = json!(NS);
                        }
                        json!({"metadata": meta})
                    })
                    .collect();
                let mut meta = json!({"resourceVersion": "1"});
                if page + 1 < self.pages {
                    meta["continue"] = json!((page + 1).to_string());
                }
                let version = match r.group {
                    "" => "v1".to_owned(),
                    "autoscaling" => "autoscaling/v2".to_owned(),
                    g => format!("{g}/v1"),
                };
                let list = format!("{}List", r.kind);
                (
                    "200 OK",
                    json!({"kind": list, "apiVersion": version, "metadata": meta, "items": items}),
                )
            }
            None => (
                "404 Not Found",
                json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}),
            ),
        };
        let body = body.to_string();
        // Answered: the client cannot send its next page's request before this.
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        let _ = stream.flush();
    }
}

fn main() {
    let (mut pages, mut per_page, mut latency_ms, mut runs) = (5usize, 1usize, 50u64, 3usize);
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else { break };
        let n = value.parse().ok();
        match flag.as_str() {
            "--pages" => pages = n.map_or(pages, |n: usize| n.max(1)),
            "--per-page" => per_page = n.map_or(per_page, |n: usize| n.max(1)),
            "--latency-ms" => latency_ms = n.map_or(latency_ms, |n: usize| n as u64),
            "--runs" => runs = n.map_or(runs, |n: usize| n.max(1)),
            other => eprintln!("ignoring unknown flag {other}"),
        }
    }
    let latency = Duration::from_millis(latency_ms);
    let server = Arc::new(Server {
        pages,
        per_page,
        latency,
        requests: AtomicUsize::new(0),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("address").port()
    );
    let s = Arc::clone(&server);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let s = Arc::clone(&s);
            std::thread::spawn(move || s.serve(stream));
        }
    });
    let dir = std::env::temp_dir().join(format!("stakelint-cluster-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: bench\nclusters:\n- name: bench\n  cluster:\n    server: {url}\ncontexts:\n- name: bench\n  context: {{cluster: bench, user: bench, namespace: {NS}}}\nusers:\n- name: bench\n  user:\n    token: not-a-token\n"
        ),
    )
    .expect("write the kubeconfig");
    let opts = Options {
        kubeconfig: Some(kubeconfig),
        context: None,
        namespace: None,
        all_namespaces: false,
        request_timeout: Duration::from_secs(30),
        include_secrets: false,
        max_objects: cluster::MAX_OBJECTS_PER_LIST,
    };

    let kinds = RESOURCES.iter().filter(|r| r.kind != "Secret").count();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "stand-in API server: {kinds} kinds × {pages} pages × {per_page} objects, {latency_ms} ms per answer"
    );
    for run in 1..=runs {
        server.requests.store(0, Ordering::SeqCst);
        server.max_in_flight.store(0, Ordering::SeqCst);
        let t = Instant::now();
        let snapshot = cluster::read(&opts);
        let wall = t.elapsed();
        if !snapshot.errors.is_empty() || snapshot.docs.len() != kinds * pages * per_page {
            eprintln!(
                "read {} objects of {}, errors: {:?}",
                snapshot.docs.len(),
                kinds * pages * per_page,
                snapshot.errors
            );
            std::process::exit(1);
        }
        let requests = server.requests.load(Ordering::SeqCst);
        let sequential = latency.as_secs_f64() * 1e3 * requests as f64;
        let concurrent = latency.as_secs_f64() * 1e3 * pages as f64;
        println!(
            "run {run}: wall {:.1} ms, {} objects, {requests} requests, max {} in flight; \
             bounds: sequential {requests} × {latency_ms} ms = {sequential:.0} ms, \
             concurrent {pages} × {latency_ms} ms = {concurrent:.0} ms ({:.1}× faster than sequential)",
            ms(wall),
            snapshot.docs.len(),
            server.max_in_flight.load(Ordering::SeqCst),
            sequential / ms(wall),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
