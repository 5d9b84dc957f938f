//! CPU time and memory of a process, from `/proc` (Linux).

use std::sync::OnceLock;

use crate::{BenchError, Result};

/// Clock ticks per second of `utime`/`stime` (`getconf CLK_TCK`, read once;
/// 100 if `getconf` is missing, the value on every Linux architecture that
/// this benchmark runs on). Reading it through `getconf` instead of calling
/// `sysconf` keeps this crate free of `unsafe`.
pub fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t: &u64| t > 0)
            .unwrap_or(100)
    })
}

/// User plus system CPU time of every thread of process `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| BenchError(format!("{path}: {e}")))?;
    parse_stat_ticks(&text).ok_or_else(|| BenchError(format!("{path}: unexpected format")))
}

/// User plus system CPU time of process `pid`, in seconds.
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    Ok(cpu_ticks(pid)? as f64 / clock_ticks_per_second() as f64)
}

/// `utime + stime` from the text of `/proc/<pid>/stat`. The command name
/// (field 2) may contain spaces and parentheses, so fields are counted after
/// its closing parenthesis: field 3 (state) is the first, utime is field 14
/// and stime field 15.
fn parse_stat_ticks(text: &str) -> Option<u64> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The parent of process `pid` (field 4 of `/proc/<pid>/stat`).
pub fn parent(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_parent(&text)
}

fn parse_stat_parent(text: &str) -> Option<u32> {
    let rest = &text[text.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The processes whose parent is `pid`, by scanning `/proc` (works without
/// the kernel's `/proc/<pid>/task/<tid>/children`).
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&child| parent(child) == Some(pid))
        .collect();
    found.sort_unstable();
    found
}

/// CPU time of the whole machine, all cores, in seconds: user, nice, system,
/// irq, softirq and steal of the `cpu` line of `/proc/stat`.
pub fn machine_busy_seconds() -> Result<f64> {
    let text = std::fs::read_to_string("/proc/stat")
        .map_err(|e| BenchError(format!("/proc/stat: {e}")))?;
    let ticks = parse_machine_busy(&text).ok_or("/proc/stat: no cpu line")?;
    Ok(ticks as f64 / clock_ticks_per_second() as f64)
}

fn parse_machine_busy(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal
    Some(f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)? + f.get(7).unwrap_or(&0))
}

/// Resident memory of a process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: resident now, KiB.
    pub rss_kib: u64,
    /// `VmHWM`: peak resident ("high water mark"), KiB.
    pub hwm_kib: u64,
}

/// `VmRSS` and `VmHWM` of process `pid`.
pub fn memory(pid: u32) -> Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| BenchError(format!("{path}: {e}")))?;
    parse_status(&text).ok_or_else(|| BenchError(format!("{path}: no VmRSS/VmHWM")))
}

fn parse_status(text: &str) -> Option<Memory> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_awkward_name() {
        let text =
            "1234 (cc (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 1 0 5 1000 200";
        assert_eq!(parse_stat_ticks(text), Some(287));
    }

    #[test]
    fn parent_with_awkward_name() {
        let text =
            "1234 (cc (x) y) S 77 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 1 0 5 1000 200";
        assert_eq!(parse_stat_parent(text), Some(77));
        assert_eq!(parse_stat_parent("garbage"), None);
    }

    #[test]
    fn children_of_this_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let found = children(std::process::id());
        let parent_of_child = parent(child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.contains(&child.id()), "{found:?}");
        assert_eq!(parent_of_child, Some(std::process::id()));
    }

    #[test]
    fn status_fields() {
        let text = "Name:\tcc\nVmHWM:\t    5120 kB\nVmRSS:\t    4096 kB\n";
        assert_eq!(
            parse_status(text),
            Some(Memory {
                rss_kib: 4096,
                hwm_kib: 5120
            })
        );
    }

    #[test]
    fn machine_line() {
        let text = "cpu  10 1 5 1000 7 2 3 4 0 0\ncpu0 5 0 2 500 3 1 1 2 0 0\n";
        assert_eq!(parse_machine_busy(text), Some(10 + 1 + 5 + 2 + 3 + 4));
    }

    #[test]
    fn this_process() {
        let pid = std::process::id();
        assert!(memory(pid).unwrap().rss_kib > 0);
        cpu_ticks(pid).unwrap();
        assert!(clock_ticks_per_second() > 0);
        assert!(machine_busy_seconds().unwrap() > 0.0);
    }
}
