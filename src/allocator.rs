//! The allocator of both binaries (the library leaves the choice to its user).
//!
//! mimalloc (as ruff and uv use): the many small allocations of parsing on several threads
//! cost about a fifth less time than with the system allocator. It gives memory it no
//! longer uses back to the system at once ([`configure`]), not 10 ms later: a run frees
//! large amounts while it still allocates (each file's or stream piece's parse trees once
//! it is typed, the typed objects once the model is built), and with the delay what was
//! freed stayed resident beside what came next — 86 → 69 MiB peak on 22,000 resources,
//! 210 → 174 MiB on a 46 MB stream on stdin, for a few percent more time (README
//! "Performance").

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (in milliseconds, 10 by default): the 16th option of
/// its v2 `mi_option_t` (`include/mimalloc.h`), which the sys crate names no constant for.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's options; called first thing in `main`, before any thread starts.
#[allow(unsafe_code)]
pub(crate) fn configure() {
    // SAFETY: `mi_option_set` stores a value in mimalloc's option table and has no other
    // precondition; it is called before the process starts a second thread, and the purge
    // delay is read each time memory is about to be purged, so it applies from here on.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    #[test]
    #[allow(unsafe_code)]
    fn freed_memory_is_purged_without_delay() {
        // SAFETY: reads an option value; no precondition.
        let get = || unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        // The option is the purge delay: mimalloc's documented default, then ours.
        assert_eq!(get(), 10);
        super::configure();
        assert_eq!(get(), 0);
    }
}
