//! What the load generator reads from and asks of the operating system: resident memory, open-file limits.

/// Resident memory of process `pid` in bytes, from /proc (Linux).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Files (sockets included) process `pid` has open, from /proc (Linux).
pub fn open_files(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// Raises this process's soft limit on open files as far as the hard limit allows; returns the limit now.
pub fn raise_nofile(wanted: u64) -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(wanted)
}

/// CPU time (user + system) process `pid` has used so far, from /proc (Linux; in USER_HZ = 100 ticks a second).
pub fn cpu_ms(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) * 10)
}
