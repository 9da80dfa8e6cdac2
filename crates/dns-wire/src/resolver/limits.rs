//! This machine's limits on open sockets, so that a run with many lookups in flight stays far
//! below them: running out of descriptors must slow a run down, never fail a server.

/// Descriptors left for everything else the process holds (standard streams, files, the
/// runtime's own, a TCP listener...).
const RESERVED_DESCRIPTORS: u64 = 64;

/// How many exchanges may be in flight at once in this process: half of the open-file limit
/// it runs under (`getrlimit(RLIMIT_NOFILE)`, soft limit), less a reserve. Each exchange holds
/// one socket at a time; half leaves room for sockets the kernel has not released yet and for
/// a second resolver in the same process.
pub fn socket_budget() -> usize {
    let limit = open_file_limit().unwrap_or(1024);
    let budget = limit.saturating_sub(RESERVED_DESCRIPTORS) / 2;
    usize::try_from(budget.max(8)).unwrap_or(usize::MAX)
}

/// The soft limit on open files, if the platform says.
#[cfg(unix)]
pub fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, exclusively borrowed struct.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if status != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    // `rlim_t` is u64 on Linux, but not on every unix.
    #[allow(clippy::unnecessary_cast)]
    Some(limit.rlim_cur as u64)
}

/// The soft limit on open files, if the platform says.
#[cfg(not(unix))]
pub fn open_file_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_below_the_open_file_limit() {
        let budget = socket_budget() as u64;
        if let Some(limit) = open_file_limit() {
            assert!(budget < limit, "{budget} >= {limit}");
        }
        assert!(budget >= 8);
    }
}
