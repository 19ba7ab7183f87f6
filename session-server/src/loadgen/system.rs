//! What the load generator reads from and asks of the operating system: resident memory, open-file limits.

/// Resident memory of process `pid` in bytes, from /proc (Linux).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Raises this process's soft limit on open files as far as the hard limit allows; returns the limit now.
pub fn raise_nofile(wanted: u64) -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(wanted)
}
