//! `concord record redis`: a real Redis primary and one or two replicas
//! (`redis-server --replicaof`) on 127.0.0.1, the register workload of
//! [`super::run_workload`] through the `redis` crate (synchronous
//! connections), and the nemesis on the replicas.
//!
//! Writes (`SET`) and compare-and-sets (a Lua script run by `EVAL`:
//! `if GET(key) == expected then SET(key, new)`) go to the primary; reads
//! (`GET`, absent on `nil`) go where `read_from` says: the primary, the
//! client's own replica (client `i` reads from replica `i mod replicas`),
//! or any server, chosen per read. Redis replicates asynchronously, so a
//! replica may answer before it has applied a write the primary
//! acknowledged: a client reading from a replica can miss its own write
//! (read-your-writes) or see a value and then an older one (monotonic
//! reads). Reading only from the primary, a Redis without faults is
//! linearizable.
//!
//! The nemesis faults the replicas only: the servers run without
//! persistence, and a primary killed and restarted empty would wipe its
//! replicas (data loss, a fault of the deployment rather than the
//! replication). A killed replica restarts empty and resynchronises from
//! the primary after the primary's `repl-diskless-sync-delay` (set to 2 s
//! once the replicas are up; 0 before, so that the first sync is quick),
//! serving its empty data set meanwhile (`replica-serve-stale-data`,
//! Redis's default): its clients read nothing where they wrote.

use super::cluster::{self, Server};
use super::nemesis::{self, NemesisConfig};
use super::{
    ClientError, RecordStats, RecordSummary, Recorder, RecorderConfig, RecordingError,
    RegisterClient, SplitMix, WorkloadConfig, run_workload,
};
use crate::history::Value;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Where clients read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    Primary,
    Replica,
    Any,
}

impl ReadFrom {
    pub const NAMES: &'static [&'static str] = &["replica", "primary", "any"];

    pub fn from_name(name: &str) -> Option<ReadFrom> {
        Some(match name {
            "primary" => ReadFrom::Primary,
            "replica" => ReadFrom::Replica,
            "any" => ReadFrom::Any,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ReadFrom::Primary => "primary",
            ReadFrom::Replica => "replica",
            ReadFrom::Any => "any",
        }
    }
}

/// The configuration of a Redis recording.
#[derive(Clone, Debug)]
pub struct RedisConfig {
    /// The `redis-server` binary: a name looked up on PATH, or a path.
    pub binary: String,
    /// Replicas of the primary (1 or 2).
    pub replicas: usize,
    pub read_from: ReadFrom,
    pub workload: WorkloadConfig,
    pub nemesis: NemesisConfig,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            binary: "redis-server".to_string(),
            replicas: 2,
            read_from: ReadFrom::Replica,
            workload: WorkloadConfig::default(),
            nemesis: NemesisConfig::default(),
        }
    }
}

const CAS_SCRIPT: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";

/// Starts the primary and the replicas, records the workload into
/// `output`, stops everything, and returns what was run.
pub fn record(
    config: &RedisConfig,
    output: &Path,
    stop: &AtomicBool,
) -> Result<(RecordSummary, RecordStats), RecordingError> {
    if !(1..=2).contains(&config.replicas) {
        return Err(RecordingError::Config(format!(
            "--replicas must be 1 or 2, got {}",
            config.replicas
        )));
    }
    let binary = cluster::find_binary(&config.binary, "redis-server", "--redis-bin")?;
    let dir = super::temp_dir("concord-redis-")?;
    let ports = cluster::free_ports(1 + config.replicas).map_err(cluster::ClusterError::Io)?;
    let mut servers: Vec<Server> = (0..=config.replicas)
        .map(|i| {
            let name = if i == 0 {
                "primary".to_string()
            } else {
                format!("replica{i}")
            };
            let data = dir.path().join(&name);
            let _ = std::fs::create_dir_all(&data);
            let mut args = vec![
                "--port".to_string(),
                ports[i].to_string(),
                "--bind".to_string(),
                "127.0.0.1".to_string(),
                "--dir".to_string(),
                data.display().to_string(),
                "--save".to_string(),
                String::new(),
                "--appendonly".to_string(),
                "no".to_string(),
                "--daemonize".to_string(),
                "no".to_string(),
                "--protected-mode".to_string(),
                "no".to_string(),
                // The replicas' first sync starts at once (Redis 7 waits 5 s
                // by default for more replicas to join a diskless sync).
                "--repl-diskless-sync-delay".to_string(),
                "0".to_string(),
            ];
            if i > 0 {
                args.extend([
                    "--replicaof".to_string(),
                    "127.0.0.1".to_string(),
                    ports[0].to_string(),
                    // The replica loads its syncs straight from the socket
                    // and keeps no RDB file: restarted, it is empty and
                    // needs a full resync (with an RDB holding the
                    // replication id it could resume at once, or not,
                    // depending on timing).
                    "--repl-diskless-load".to_string(),
                    "on-empty-db".to_string(),
                ]);
            }
            Server::new(&name, &binary, args, dir.path().join(format!("{name}.log")))
        })
        .collect();
    for s in &mut servers {
        s.start()?;
    }
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}/"))
        .collect();
    for (i, s) in servers.iter_mut().enumerate() {
        let url = urls[i].clone();
        cluster::wait_ready(s, Duration::from_secs(20), stop, || {
            let client = redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
            let mut con = client
                .get_connection_with_timeout(Duration::from_secs(1))
                .map_err(|e| e.to_string())?;
            if i == 0 {
                redis::cmd("PING")
                    .query::<String>(&mut con)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            } else {
                let info: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut con)
                    .map_err(|e| e.to_string())?;
                if info.contains("master_link_status:up") {
                    Ok(())
                } else {
                    Err("replication link not up yet".to_string())
                }
            }
        })?;
    }

    // From now on a replica that restarts (the kill nemesis) waits 2 s for
    // its full resync, as a production primary batching diskless syncs
    // does, serving its empty data set meanwhile
    // (`replica-serve-stale-data yes`, the default).
    set_sync_delay(&urls[0], 2)?;
    let mut summary = RecordSummary {
        servers: servers
            .iter()
            .zip(&ports)
            .map(|(s, port)| {
                let role = if s.name == "primary" {
                    "primary".to_string()
                } else {
                    format!("replica of 127.0.0.1:{}", ports[0])
                };
                format!(
                    "redis {} at 127.0.0.1:{port}, {role} (pid {})",
                    s.name,
                    s.pid().unwrap_or(0)
                )
            })
            .collect(),
        clients: vec![format!(
            "{} clients; writes and cas on the primary; reads from {}",
            config.workload.clients,
            match config.read_from {
                ReadFrom::Primary => "the primary".to_string(),
                ReadFrom::Replica => format!("replica i mod {} (client i)", config.replicas),
                ReadFrom::Any => "any server, chosen per read".to_string(),
            }
        )],
        ..RecordSummary::default()
    };
    let meta = vec![
        (
            "recorded-by".to_string(),
            "concord record redis".to_string(),
        ),
        (
            "system".to_string(),
            format!(
                "redis ({}), primary and {} replicas",
                binary.display(),
                config.replicas
            ),
        ),
        ("read-from".to_string(), config.read_from.name().to_string()),
        (
            "nemesis".to_string(),
            config.nemesis.kind.name().to_string(),
        ),
        (
            "workload".to_string(),
            format!(
                "{} clients, {} keys, rate {}, duration {:?}, seed {}",
                config.workload.clients,
                config.workload.keys,
                config
                    .workload
                    .rate_per_s
                    .map_or("unlimited".to_string(), |r| format!("{r}/s")),
                config.workload.duration,
                config.workload.seed
            ),
        ),
    ];
    let rec = Recorder::create(
        output,
        RecorderConfig {
            model: Some("cas-register".into()),
            meta,
        },
    )
    .map_err(|source| RecordingError::Output {
        path: output.display().to_string(),
        source,
    })?;
    let targets: Vec<usize> = (1..=config.replicas).collect();
    let mut rng = SplitMix::new(config.workload.seed.wrapping_mul(31).wrapping_add(11));
    let urls_ref = &urls;
    let faults = run_workload(
        &config.workload,
        &rec,
        stop,
        |i| RedisClient::new(i, urls_ref, config),
        |deadline| {
            nemesis::run(
                &config.nemesis,
                &mut servers,
                &targets,
                &rec,
                &mut rng,
                deadline,
                stop,
            )
        },
        &mut summary,
    );
    summary.faults = faults;
    let stats = rec.finish()?;
    summary.stats = stats.clone();
    drop(servers);
    drop(dir);
    Ok((summary, stats))
}

fn set_sync_delay(primary: &str, seconds: u32) -> Result<(), RecordingError> {
    let fail = |e: redis::RedisError| {
        RecordingError::Cluster(cluster::ClusterError::Io(std::io::Error::other(format!(
            "CONFIG SET repl-diskless-sync-delay on the primary: {e}"
        ))))
    };
    let client = redis::Client::open(primary).map_err(fail)?;
    let mut con = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .map_err(fail)?;
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-diskless-sync-delay")
        .arg(seconds)
        .query::<String>(&mut con)
        .map_err(fail)?;
    Ok(())
}

/// One client thread's connections: the primary and the servers it reads
/// from, each made on first use and again after an error.
struct RedisClient {
    urls: Vec<String>,
    /// Connections by server index (0 the primary).
    connections: Vec<Option<redis::Connection>>,
    /// The server reads go to, or `None` for "any" (chosen per read).
    read_server: Option<usize>,
    rng: SplitMix,
    timeout: Duration,
}

impl RedisClient {
    fn new(index: usize, urls: &[String], config: &RedisConfig) -> RedisClient {
        let read_server = match config.read_from {
            ReadFrom::Primary => Some(0),
            ReadFrom::Replica => Some(1 + index % config.replicas),
            ReadFrom::Any => None,
        };
        RedisClient {
            urls: urls.to_vec(),
            connections: urls.iter().map(|_| None).collect(),
            read_server,
            rng: SplitMix::new(config.workload.seed ^ (index as u64) << 32),
            timeout: config.workload.timeout,
        }
    }

    /// Runs `cmd` on server `server`, connecting first when needed.
    fn query<T: redis::FromRedisValue>(
        &mut self,
        server: usize,
        cmd: &redis::Cmd,
    ) -> Result<T, ClientError> {
        if self.connections[server].is_none() {
            let client = redis::Client::open(self.urls[server].as_str())
                .map_err(|e| ClientError::Definite(e.to_string()))?;
            let con = client
                .get_connection_with_timeout(self.timeout)
                .map_err(|e| ClientError::Definite(format!("connect: {e}")))?;
            con.set_read_timeout(Some(self.timeout))
                .and_then(|()| con.set_write_timeout(Some(self.timeout)))
                .map_err(|e| ClientError::Definite(e.to_string()))?;
            self.connections[server] = Some(con);
        }
        let con = self.connections[server].as_mut().expect("connected above");
        cmd.query(con).map_err(|e| {
            let text = e.to_string();
            if e.is_connection_refusal() {
                self.connections[server] = None;
                ClientError::Definite(text)
            } else if e.is_timeout() || e.is_io_error() || e.is_connection_dropped() {
                // The request may have been applied; the connection is
                // not reused (a late reply would answer the next call).
                self.connections[server] = None;
                ClientError::Indefinite(text)
            } else {
                ClientError::Definite(text)
            }
        })
    }
}

fn value_of(text: String) -> Value {
    match text.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Str(text.into()),
    }
}

impl RegisterClient for RedisClient {
    fn read(&mut self, key: &str) -> Result<Option<Value>, ClientError> {
        let server = match self.read_server {
            Some(s) => s,
            None => self.rng.below(self.urls.len()),
        };
        let v: Option<String> = self.query(server, redis::cmd("GET").arg(key))?;
        Ok(v.map(value_of))
    }

    fn write(&mut self, key: &str, value: i64) -> Result<(), ClientError> {
        let _: String = self.query(0, redis::cmd("SET").arg(key).arg(value))?;
        Ok(())
    }

    fn cas(&mut self, key: &str, expected: &Value, new: i64) -> Result<bool, ClientError> {
        let set: i64 = self.query(
            0,
            redis::cmd("EVAL")
                .arg(CAS_SCRIPT)
                .arg(1)
                .arg(key)
                .arg(super::stored_text(expected))
                .arg(new),
        )?;
        Ok(set == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_from_names_round_trip() {
        for name in ReadFrom::NAMES {
            assert_eq!(ReadFrom::from_name(name).unwrap().name(), *name);
        }
        assert_eq!(ReadFrom::from_name("secondary"), None);
    }
}
