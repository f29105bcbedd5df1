//! What the bench reads from /proc: CPU clocks, memory figures and the file-descriptor limit.

use crate::helper::Helper;
use std::process::{Command, Stdio};

/// The file descriptors asked for, for this process and the platform.
pub(crate) const NOFILE: u64 = 65_536;

pub(crate) fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a `/proc/.../stat` file, in seconds.
pub(crate) fn cpu_of(path: &str, ticks: f64) -> f64 {
    let (user, kernel) = cpu_split_of(path, ticks);
    user + kernel
}

/// (utime, stime) of a `/proc/.../stat` file, in seconds: the time in the process's own code
/// and the time in the kernel on its behalf (its syscalls: for the platform, mostly the TCP
/// stack's, which on loopback also does the receiving side's work).
pub(crate) fn cpu_split_of(path: &str, ticks: f64) -> (f64, f64) {
    let stat = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    // Fields after the command name (which may hold spaces) start at field 3, the state.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields[11].parse().unwrap();
    let stime: u64 = fields[12].parse().unwrap();
    (utime as f64 / ticks, stime as f64 / ticks)
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
pub(crate) fn status_kib(pid: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("a status file");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The CPU clocks the bench reads: the platform's, this process's and the helper thread's.
#[derive(Clone, Copy)]
pub(crate) struct Clocks {
    pub(crate) ticks: f64,
    pub(crate) platform: u32,
    pub(crate) helper: Option<u32>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    platform: f64,
    process: f64,
    helper: f64,
}

impl Clocks {
    pub(crate) fn sample(&self) -> Sample {
        Sample {
            platform: cpu_of(&format!("/proc/{}/stat", self.platform), self.ticks),
            process: cpu_of("/proc/self/stat", self.ticks),
            helper: self.helper.map_or(0.0, |tid| cpu_of(&format!("/proc/self/task/{tid}/stat"), self.ticks)),
        }
    }

    /// The platform's (user, kernel) CPU, seconds.
    pub(crate) fn platform_split(&self) -> (f64, f64) {
        cpu_split_of(&format!("/proc/{}/stat", self.platform), self.ticks)
    }

    pub(crate) fn with_helper(self, helper: &Helper) -> Self {
        Self { helper: Some(helper.tid), ..self }
    }
}

impl Sample {
    /// (client CPU: this process minus the helper thread, platform CPU) since `before`, seconds.
    pub(crate) fn since(&self, before: &Sample) -> (f64, f64) {
        let helper = self.helper - before.helper;
        (self.process - before.process - helper, self.platform - before.platform)
    }
}

// ----- file descriptors -----

/// RLIMIT_NOFILE of this process, (soft, hard), from `/proc/self/limits`.
fn nofile() -> (u64, u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or_default();
    let mut values = line.split_whitespace().skip(3).map(|v| v.parse().unwrap_or(u64::MAX));
    (values.next().unwrap_or(1024), values.next().unwrap_or(1024))
}

/// Raises this process's soft RLIMIT_NOFILE with `prlimit` to [`NOFILE`], or to the hard limit
/// when that is lower (raising the hard limit needs CAP_SYS_RESOURCE); returns the soft limit
/// in force, which the platform child is given too.
pub(crate) fn raise_nofile() -> u64 {
    let (soft, hard) = nofile();
    let want = NOFILE.min(hard);
    if soft < want {
        let pid = std::process::id().to_string();
        let raised = Command::new("prlimit")
            .args(["--pid", &pid, &format!("--nofile={want}:{hard}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !raised {
            eprintln!("note: `prlimit --pid {pid} --nofile={want}:{hard}` failed (is util-linux installed?)");
        }
    }
    nofile().0
}
