//! `concord record` against real servers: a 3-member etcd cluster and a
//! Redis primary with replicas, started by the command on loopback ports.
//!
//! The expected findings of issue 16, each from one run of under a minute
//! (durations and seeds chosen so that the run injects faults and finds
//! what it should; a run that did not inject a fault or complete enough
//! calls fails and says the run was too short, never passes silently):
//!
//! * etcd, linearizable reads, kills and pauses: linearizable holds.
//! * etcd, serializable reads, pauses: linearizability violated by a
//!   stale read.
//! * Redis, reads from a replica, kills of replicas: read-your-writes
//!   violated.
//! * Redis, reads from the primary, no faults: linearizable holds.
//!
//! When `etcd` or `redis-server` is missing, the test fails if `CI` or
//! `CONCORD_REQUIRE_SERVERS` is set (`.ci/run` sets it and installs them),
//! and otherwise skips with a loud message on stderr.
//!
//! The tests that start servers take one lock, so that they do not compete
//! with each other for the machine's cores; after each run no server
//! process of the run may be left.

use crate::cli::run;
use std::sync::Mutex;

static SERVERS: Mutex<()> = Mutex::new(());

/// Whether `binary` is on PATH; when it is not, panics in CI and returns
/// false (after saying so) locally.
fn have(binary: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(binary).is_file()))
        .unwrap_or(false);
    if found {
        return true;
    }
    let required = ["CI", "CONCORD_REQUIRE_SERVERS"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    if required {
        panic!(
            "`{binary}` is not on PATH and this run requires the real-server tests (CI or CONCORD_REQUIRE_SERVERS is set): install it with `apt-get install {package}`"
        );
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED: `{binary}` is not on PATH, so this real-server test did not run. Install it with `apt-get install {package}` (CI fails here instead of skipping). !!!!!!!!\n"
    );
    false
}

/// Server processes whose command line names a data directory of
/// `concord record` (`concord-etcd-…`, `concord-redis-…`).
fn leftover_servers() -> Vec<String> {
    let mut left = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if (cmdline.contains("concord-etcd-") || cmdline.contains("concord-redis-"))
            && !cmdline.contains("concord record")
        {
            // A zombie has an empty cmdline; a live one is a leak.
            left.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    left
}

/// Runs `concord record ...` into a temporary file and returns (exit code,
/// stdout, stderr, history text), after checking that the run injected
/// faults when asked and completed enough calls, and left nothing running.
fn record(args: &[&str], faults_expected: bool) -> (i32, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.jsonl");
    let mut all: Vec<&str> = args.to_vec();
    let path_text = path.display().to_string();
    all.extend(["-o", &path_text]);
    let (code, out, err) = run(&all, "");
    let history = std::fs::read_to_string(&path).unwrap_or_default();
    let left = leftover_servers();
    assert!(
        left.is_empty(),
        "servers left running after the run: {left:?}"
    );
    assert!(
        out.contains(&format!("history: {path_text}")),
        "the history path is printed: {out}\n{err}"
    );
    if faults_expected {
        assert!(
            !out.contains("faults (0)"),
            "the run was too short: the nemesis injected no fault, so this test found nothing\n{out}"
        );
        assert!(
            history.contains("\"annotation\":\"nemesis"),
            "faults are annotations"
        );
    }
    assert!(
        !out.contains("calls completed: too few"),
        "the run was too short to find anything\n{out}"
    );
    (code, out, err, history)
}

fn verdict_line<'a>(out: &'a str, guarantee: &str) -> &'a str {
    out.lines()
        .find(|l| {
            let mut words = l.split_whitespace();
            words.next().is_some() && words.next() == Some(guarantee)
        })
        .unwrap_or_else(|| panic!("no verdict for {guarantee} in\n{out}"))
}

#[test]
fn etcd_linearizable_reads_with_kills_and_pauses_are_linearizable() {
    let _servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    if !have("etcd", "etcd-server") {
        return;
    }
    let (code, out, err, history) = record(
        &[
            "record",
            "etcd",
            "--nemesis",
            "all",
            "--duration",
            "12s",
            "--seed",
            "3",
        ],
        true,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        verdict_line(&out, "linearizable").starts_with("  holds"),
        "{out}"
    );
    assert!(out.contains("etcd member n3 at http://127.0.0.1:"), "{out}");
    assert!(
        history.starts_with(r#"{"concord":1,"form":"events","model":"cas-register","unit":"ns""#)
    );
}

#[test]
fn etcd_serializable_reads_with_pauses_are_stale() {
    let _servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    if !have("etcd", "etcd-server") {
        return;
    }
    // `-c lin`: sequential consistency (which holds here) is a search over
    // all keys together that can take as long as the run itself.
    let (code, out, err, _) = record(
        &[
            "record",
            "etcd",
            "--serializable-reads",
            "--nemesis",
            "pause",
            "--duration",
            "14s",
            "--clients",
            "6",
            "--seed",
            "1",
            "-c",
            "lin",
        ],
        true,
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        verdict_line(&out, "linearizable").starts_with("  violated"),
        "{out}"
    );
    // The evidence is a read that cannot be placed: a stale read.
    assert!(out.contains("NotLinearizable on key"), "{out}");
    assert!(
        out.contains("can place `") && out.contains(" read k"),
        "{out}"
    );
}

#[test]
fn redis_replica_reads_break_read_your_writes() {
    let _servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    if !have("redis-server", "redis-server") {
        return;
    }
    // Killed replicas restart empty and serve their empty data set until
    // their resync (2 s): their clients miss their own writes.
    let (code, out, err, _) = record(
        &[
            "record",
            "redis",
            "--read-from",
            "replica",
            "--nemesis",
            "kill",
            "--rate",
            "200",
            "--duration",
            "8s",
            "-c",
            "ryw,mr,lin",
        ],
        true,
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        verdict_line(&out, "read-your-writes").starts_with("  violated"),
        "{out}"
    );
    assert!(
        verdict_line(&out, "linearizable").starts_with("  violated"),
        "{out}"
    );
}

#[test]
fn redis_primary_reads_without_faults_are_linearizable() {
    let _servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    if !have("redis-server", "redis-server") {
        return;
    }
    let (code, out, err, _) = record(
        &[
            "record",
            "redis",
            "--read-from",
            "primary",
            "--replicas",
            "1",
            "--rate",
            "500",
            "--duration",
            "4s",
        ],
        false,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        verdict_line(&out, "linearizable").starts_with("  holds"),
        "{out}"
    );
    assert!(out.contains("faults (0)"), "{out}");
}

#[test]
fn ctrl_c_stops_the_servers_and_keeps_the_history() {
    let _servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    if !have("redis-server", "redis-server") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.jsonl");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("concord"))
        .args([
            "record",
            "redis",
            "--rate",
            "100",
            "--duration",
            "60s",
            "-o",
        ])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the recording has begun (the history file has its
    // header), then interrupt.
    let started = std::time::Instant::now();
    while std::fs::metadata(&path).map_or(true, |m| m.len() == 0) {
        assert!(
            started.elapsed().as_secs() < 30,
            "the recording did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    assert!(started.elapsed().as_secs() < 20, "stopped promptly");
    let left = leftover_servers();
    assert!(
        left.is_empty(),
        "servers left running after Ctrl-C: {left:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.lines().count() > 2, "the history so far is kept");
}

#[test]
fn bad_record_flags_exit_2() {
    for (args, expect) in [
        (&["record", "etcd", "--clients", "0"][..], "--clients"),
        (&["record", "redis", "--replicas", "3"][..], "--replicas"),
        (
            &["record", "etcd", "--duration", "soon"][..],
            "invalid duration",
        ),
        (
            &["record", "etcd", "--cas-fraction", "0.8"][..],
            "at most 1",
        ),
        (
            &["record", "etcd", "--nemesis", "partition"][..],
            "partition",
        ),
        (
            &["record", "etcd", "--etcd-bin", "/no/such/etcd"][..],
            "apt-get install etcd-server",
        ),
        (
            &["record", "redis", "--redis-bin", "no-such-redis"][..],
            "apt-get install redis-server",
        ),
    ] {
        let (code, out, err) = run(args, "");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}
