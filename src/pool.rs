//! The one thread pool of a run: reading and parsing, building the manifest model, the
//! rules, rendering and freeing all run on it, so memory freed by one thread is reused by
//! the others (a second pool would fault in pages of its own).

/// Runs `f` (which may work in parallel with rayon) on the pool. Its threads have big
/// stacks, since the parsers recurse up to their nesting limits on hostile input, which
/// takes more than the default 2 MiB in a debug build. The stack is only reserved, not used,
/// until needed.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match get() {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// The pool (`None` if its threads could not be started: then work runs on the caller).
pub fn get() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(64 << 20)
            .thread_name(|i| format!("stakelint-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}
