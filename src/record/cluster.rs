//! Servers the recording commands start and must stop: a [`Server`] is a
//! child process with its command line, data directory and log, killed and
//! reaped when dropped, so that nothing is left running on any exit path
//! (return, error, panic unwinding; Ctrl-C is turned into a stop flag by
//! the binary, and the drop guards then run as usual).
//!
//! Faults on a member are signals: `kill -9` ([`Server::kill`]), then a
//! restart on the same data directory and ports ([`Server::start`]);
//! pause and resume with SIGSTOP / SIGCONT ([`Server::pause`],
//! [`Server::resume`]) through the `nix` crate's safe signal API.

use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a cluster could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "cannot find `{binary}`: {why} (install it, e.g. `apt-get install {package}`, or name it with {flag})"
    )]
    MissingBinary {
        binary: String,
        package: &'static str,
        flag: &'static str,
        why: String,
    },
    #[error("cannot start {name} ({binary}): {source}")]
    Spawn {
        name: String,
        binary: String,
        source: io::Error,
    },
    #[error("{name} did not become ready within {waited_ms} ms: {last_error}; log {log}")]
    NotReady {
        name: String,
        waited_ms: u128,
        last_error: String,
        log: String,
    },
    #[error("{name} exited at start ({status}); log {log}: {tail}")]
    Exited {
        name: String,
        status: String,
        log: String,
        tail: String,
    },
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("interrupted")]
    Interrupted,
}

/// Finds `name` (a bare name searched on PATH, or a path).
pub fn find_binary(
    name: &str,
    package: &'static str,
    flag: &'static str,
) -> Result<PathBuf, ClusterError> {
    let missing = |why: String| ClusterError::MissingBinary {
        binary: name.to_string(),
        package,
        flag,
        why,
    };
    let path = Path::new(name);
    if path.components().count() > 1 {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(missing("no such file".to_string()))
        };
    }
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| missing("not on PATH".to_string()))
}

/// `n` distinct free TCP ports on 127.0.0.1. The listeners are held until
/// all are chosen (so the ports differ) and then closed; a server started
/// right after binds them (another program could take one in between: the
/// server then fails to start with a clear error).
pub fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

/// One server process, restartable with the same command line.
#[derive(Debug)]
pub struct Server {
    /// Its name in summaries and annotations (`n1`, `replica2`).
    pub name: String,
    binary: PathBuf,
    args: Vec<String>,
    log: PathBuf,
    child: Option<Child>,
    paused: bool,
}

impl Server {
    /// A server not yet started; its output goes to `log`.
    pub fn new(name: &str, binary: &Path, args: Vec<String>, log: PathBuf) -> Server {
        Server {
            name: name.to_string(),
            binary: binary.to_path_buf(),
            args,
            log,
            child: None,
            paused: false,
        }
    }

    /// Starts the process (again, after a kill), appending to its log.
    pub fn start(&mut self) -> Result<(), ClusterError> {
        let log = File::options().create(true).append(true).open(&self.log)?;
        let child = Command::new(&self.binary)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|source| ClusterError::Spawn {
                name: self.name.clone(),
                binary: self.binary.display().to_string(),
                source,
            })?;
        self.child = Some(child);
        self.paused = false;
        Ok(())
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// An error if the process has already exited (it failed to start).
    pub fn check_alive(&mut self) -> Result<(), ClusterError> {
        let Some(child) = self.child.as_mut() else {
            return Ok(());
        };
        match child.try_wait()? {
            None => Ok(()),
            Some(status) => {
                self.child = None;
                Err(ClusterError::Exited {
                    name: self.name.clone(),
                    status: status.to_string(),
                    log: self.log.display().to_string(),
                    tail: log_tail(&self.log),
                })
            }
        }
    }

    /// An error saying the server is not ready, with its log.
    pub fn not_ready(&self, since: Instant, last_error: String) -> ClusterError {
        ClusterError::NotReady {
            name: self.name.clone(),
            waited_ms: since.elapsed().as_millis(),
            last_error,
            log: self.log.display().to_string(),
        }
    }

    /// `kill -9` and reap. A paused process is killed too (SIGKILL needs
    /// no resume).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.paused = false;
    }

    /// SIGSTOP.
    pub fn pause(&mut self) -> io::Result<()> {
        self.signal(nix::sys::signal::Signal::SIGSTOP)?;
        self.paused = true;
        Ok(())
    }

    /// SIGCONT.
    pub fn resume(&mut self) -> io::Result<()> {
        self.signal(nix::sys::signal::Signal::SIGCONT)?;
        self.paused = false;
        Ok(())
    }

    fn signal(&self, signal: nix::sys::signal::Signal) -> io::Result<()> {
        let Some(pid) = self.pid() else {
            return Ok(());
        };
        let pid = i32::try_from(pid).map_err(|_| io::Error::other("pid out of range"))?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).map_err(io::Error::from)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last lines of a log, for an error message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(3);
    let tail = lines[start..].join(" | ");
    if tail.len() > 600 {
        let mut cut = tail.len() - 600;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail[cut..].to_string()
    } else {
        tail
    }
}

/// Polls `ready` every 50 ms until it succeeds, the server exits, `stop`
/// is set or `timeout` passes.
pub fn wait_ready(
    server: &mut Server,
    timeout: Duration,
    stop: &std::sync::atomic::AtomicBool,
    mut ready: impl FnMut() -> Result<(), String>,
) -> Result<(), ClusterError> {
    let since = Instant::now();
    loop {
        match ready() {
            Ok(()) => return Ok(()),
            Err(e) => {
                server.check_alive()?;
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(ClusterError::Interrupted);
                }
                if since.elapsed() > timeout {
                    return Err(server.not_ready(since, e));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct() {
        let ports = free_ports(6).unwrap();
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 6);
    }

    #[test]
    fn a_missing_binary_names_the_package_and_the_flag() {
        let e = find_binary("concord-no-such-server", "etcd-server", "--etcd-bin").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("apt-get install etcd-server"), "{text}");
        assert!(text.contains("--etcd-bin"), "{text}");
        assert!(find_binary("/no/such/etcd", "etcd-server", "--etcd-bin").is_err());
    }

    #[test]
    fn a_server_is_killed_when_dropped_and_can_be_paused_and_restarted() {
        let dir = tempfile::tempdir().unwrap();
        let sleep = find_binary("sleep", "coreutils", "PATH").unwrap();
        let mut s = Server::new("s", &sleep, vec!["30".into()], dir.path().join("log"));
        s.start().unwrap();
        let pid = s.pid().unwrap();
        s.pause().unwrap();
        assert!(s.is_paused());
        s.resume().unwrap();
        s.kill();
        assert!(!s.is_running());
        s.start().unwrap();
        assert_ne!(s.pid(), Some(pid));
        let pid = s.pid().unwrap();
        drop(s);
        // Reaped: the pid no longer names a process of ours.
        assert!(
            !Path::new(&format!("/proc/{pid}/status")).exists() || {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                !status.contains("sleep")
            }
        );
    }
}
