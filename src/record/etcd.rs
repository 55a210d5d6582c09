//! `concord record etcd`: a real three-member etcd cluster on 127.0.0.1,
//! the register workload of [`super::run_workload`] through the
//! `etcd-client` crate, and the nemesis.
//!
//! Each key is a register: a read is a range request on the key (absent
//! when it has no value), a write a put, a compare-and-set a transaction
//! `if value(key) == expected then put(key, new)` whose `succeeded` is the
//! answer. Values are decimal strings of the run's unique integers.
//!
//! Reads are linearizable by default (etcd's read index through the
//! leader). With `serializable_reads` they are answered by the member the
//! client is connected to from its local state, which may lag; client `i`
//! is pinned to member `i mod 3` (sticky; `roaming`: every call to a
//! member chosen at random), so that the clients of a lagging or paused
//! member read stale values, which linearizability (and with it
//! sequential consistency, when the stale reader wrote newer values
//! itself) rules out.
//!
//! Errors: a timeout of the client's deadline, or a transport failure of a
//! request that may have been sent, is an unknown outcome; a connection
//! that could not be made, or an error answer from etcd, is a failure.

use super::cluster::{self, ClusterError, Server};
use super::nemesis::{self, NemesisConfig};
use super::{
    ClientError, RecordStats, RecordSummary, Recorder, RecorderConfig, RecordingError,
    RegisterClient, SplitMix, WorkloadConfig, run_workload,
};
use crate::history::Value;
use etcd_client::{Client, Compare, CompareOp, ConnectOptions, GetOptions, Txn, TxnOp};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The configuration of an etcd recording.
#[derive(Clone, Debug)]
pub struct EtcdConfig {
    /// The `etcd` binary: a name looked up on PATH, or a path.
    pub binary: String,
    /// Members of the cluster (3).
    pub members: usize,
    /// Serializable reads (answered by one member from its local state).
    pub serializable_reads: bool,
    /// Every call goes to a member chosen at random (roaming clients)
    /// instead of the client's own member (sticky clients, the default).
    pub roaming: bool,
    pub workload: WorkloadConfig,
    pub nemesis: NemesisConfig,
}

impl Default for EtcdConfig {
    fn default() -> Self {
        EtcdConfig {
            binary: "etcd".to_string(),
            members: 3,
            serializable_reads: false,
            roaming: false,
            workload: WorkloadConfig::default(),
            nemesis: NemesisConfig::default(),
        }
    }
}

/// Starts the cluster, records the workload into `output`, stops
/// everything, and returns what was run.
pub fn record(
    config: &EtcdConfig,
    output: &Path,
    stop: &AtomicBool,
) -> Result<(RecordSummary, RecordStats), RecordingError> {
    if config.members == 0 {
        return Err(RecordingError::Config(
            "etcd needs at least one member".into(),
        ));
    }
    let binary = cluster::find_binary(&config.binary, "etcd-server", "--etcd-bin")?;
    let dir = super::temp_dir("concord-etcd-")?;
    let ports = cluster::free_ports(2 * config.members).map_err(ClusterError::Io)?;
    let client_urls: Vec<String> = (0..config.members)
        .map(|i| format!("http://127.0.0.1:{}", ports[2 * i]))
        .collect();
    let peer_urls: Vec<String> = (0..config.members)
        .map(|i| format!("http://127.0.0.1:{}", ports[2 * i + 1]))
        .collect();
    let initial_cluster = (0..config.members)
        .map(|i| format!("n{}={}", i + 1, peer_urls[i]))
        .collect::<Vec<_>>()
        .join(",");
    let token = format!("concord-{}-{}", std::process::id(), config.workload.seed);
    let mut servers: Vec<Server> = (0..config.members)
        .map(|i| {
            let name = format!("n{}", i + 1);
            let data = dir.path().join(&name);
            let args = vec![
                format!("--name={name}"),
                format!("--data-dir={}", data.display()),
                format!("--listen-client-urls={}", client_urls[i]),
                format!("--advertise-client-urls={}", client_urls[i]),
                format!("--listen-peer-urls={}", peer_urls[i]),
                format!("--initial-advertise-peer-urls={}", peer_urls[i]),
                format!("--initial-cluster={initial_cluster}"),
                "--initial-cluster-state=new".to_string(),
                format!("--initial-cluster-token={token}"),
                "--logger=zap".to_string(),
                "--log-outputs=stderr".to_string(),
            ];
            Server::new(&name, &binary, args, dir.path().join(format!("{name}.log")))
        })
        .collect();
    for s in &mut servers {
        s.start()?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClusterError::Io)?;
    for (i, s) in servers.iter_mut().enumerate() {
        let url = client_urls[i].clone();
        cluster::wait_ready(s, Duration::from_secs(30), stop, || {
            runtime.block_on(async {
                let options = ConnectOptions::new()
                    .with_connect_timeout(Duration::from_secs(1))
                    .with_timeout(Duration::from_secs(1));
                let mut c = Client::connect([url.as_str()], Some(options))
                    .await
                    .map_err(|e| e.to_string())?;
                // A linearizable read needs a leader and a quorum.
                c.get("concord-ready", None)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(())
            })
        })?;
    }
    drop(runtime);

    let mut summary = RecordSummary {
        servers: servers
            .iter()
            .zip(&client_urls)
            .map(|(s, url)| {
                format!(
                    "etcd member {} at {url} (pid {})",
                    s.name,
                    s.pid().unwrap_or(0)
                )
            })
            .collect(),
        clients: vec![format!(
            "{} clients, {}; reads {}",
            config.workload.clients,
            if config.roaming {
                "each call to a member chosen at random (roaming)".to_string()
            } else {
                format!("client i pinned to member i mod {}", config.members)
            },
            if config.serializable_reads {
                "serializable (answered by the member from its local state)"
            } else {
                "linearizable (etcd's default)"
            }
        )],
        ..RecordSummary::default()
    };
    let file = std::fs::File::create(output).map_err(|source| RecordingError::Output {
        path: output.display().to_string(),
        source,
    })?;
    let rec = Recorder::new(
        file,
        RecorderConfig {
            model: Some("cas-register".into()),
            meta: meta(config, &binary),
        },
    )
    .map_err(|source| RecordingError::Output {
        path: output.display().to_string(),
        source,
    })?;
    let urls = &client_urls;
    let targets: Vec<usize> = (0..config.members).collect();
    let mut rng = SplitMix::new(config.workload.seed.wrapping_mul(31).wrapping_add(7));
    let faults = run_workload(
        &config.workload,
        &rec,
        stop,
        |i| EtcdClient::new(i, urls, config),
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
    // Stop the members before the directory holding their data goes.
    drop(servers);
    drop(dir);
    Ok((summary, stats))
}

fn meta(config: &EtcdConfig, binary: &Path) -> Vec<(String, String)> {
    let w = &config.workload;
    vec![
        ("recorded-by".into(), "concord record etcd".into()),
        (
            "system".into(),
            format!("etcd ({}), {} members", binary.display(), config.members),
        ),
        (
            "reads".into(),
            if config.serializable_reads {
                "serializable"
            } else {
                "linearizable"
            }
            .into(),
        ),
        (
            "clients".into(),
            if config.roaming { "roaming" } else { "sticky" }.into(),
        ),
        ("nemesis".into(), config.nemesis.kind.name().into()),
        (
            "workload".into(),
            format!(
                "{} clients, {} keys, rate {}, duration {:?}, seed {}",
                w.clients,
                w.keys,
                w.rate_per_s
                    .map_or("unlimited".to_string(), |r| format!("{r}/s")),
                w.duration,
                w.seed
            ),
        ),
    ]
}

/// One client thread's connections (to its own member, or to every
/// member when roaming), on a runtime of its own (the workload is
/// threads, the client is async).
struct EtcdClient {
    runtime: Option<tokio::runtime::Runtime>,
    urls: Vec<String>,
    clients: Vec<Option<Client>>,
    /// The member of a sticky client; `None` when roaming.
    member: Option<usize>,
    rng: SplitMix,
    timeout: Duration,
    serializable: bool,
}

impl EtcdClient {
    fn new(index: usize, urls: &[String], config: &EtcdConfig) -> EtcdClient {
        EtcdClient {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok(),
            urls: urls.to_vec(),
            clients: urls.iter().map(|_| None).collect(),
            member: (!config.roaming).then_some(index % urls.len()),
            rng: SplitMix::new(config.workload.seed ^ ((index as u64) << 40)),
            timeout: config.workload.timeout,
            serializable: config.serializable_reads,
        }
    }

    /// Runs one request with the client's deadline, connecting first when
    /// needed (a failed connection is a definite failure: nothing was
    /// sent).
    fn call<T, Fut>(&mut self, request: impl FnOnce(Client) -> Fut) -> Result<T, ClientError>
    where
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let Some(runtime) = self.runtime.as_ref() else {
            return Err(ClientError::Definite("cannot start a tokio runtime".into()));
        };
        let timeout = self.timeout;
        let member = match self.member {
            Some(m) => m,
            None => self.rng.below(self.urls.len()),
        };
        if self.clients[member].is_none() {
            let options = ConnectOptions::new()
                .with_connect_timeout(timeout)
                .with_timeout(timeout);
            let connected = runtime.block_on(async {
                tokio::time::timeout(
                    timeout,
                    Client::connect([self.urls[member].as_str()], Some(options)),
                )
                .await
            });
            match connected {
                Ok(Ok(c)) => self.clients[member] = Some(c),
                Ok(Err(e)) => return Err(ClientError::Definite(format!("connect: {e}"))),
                Err(_) => return Err(ClientError::Definite("connect: timed out".into())),
            }
        }
        let client = self.clients[member].clone().expect("connected above");
        match runtime.block_on(async { tokio::time::timeout(timeout, request(client)).await }) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(ClientError::Indefinite(format!(
                "timed out after {timeout:?}"
            ))),
        }
    }
}

/// Whether an etcd error leaves the outcome unknown.
fn classify(e: etcd_client::Error) -> ClientError {
    use etcd_client::Error;
    let text = e.to_string();
    match e {
        Error::GRpcStatus(status) => {
            // gRPC codes by number (tonic's `Code` is a C-like enum; the
            // crate is not a dependency of ours): 1 cancelled, 2 unknown,
            // 4 deadline exceeded, 13 internal, 14 unavailable.
            let code = status.code() as i32;
            // A refused connection never carried the request.
            let refused = text.contains("Connection refused") || text.contains("tcp connect error");
            if matches!(code, 1 | 2 | 4 | 13 | 14) && !refused {
                ClientError::Indefinite(short(&text))
            } else {
                ClientError::Definite(short(&text))
            }
        }
        Error::TransportError(_) | Error::IoError(_) => ClientError::Indefinite(short(&text)),
        _ => ClientError::Definite(short(&text)),
    }
}

fn short(text: &str) -> String {
    let mut t: String = text.chars().take(160).collect();
    if t.len() < text.len() {
        t.push('…');
    }
    t
}

fn value_of(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    match text.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Str(text.into()),
    }
}

fn bytes_of(v: &Value) -> Vec<u8> {
    super::stored_text(v).into_bytes()
}

impl RegisterClient for EtcdClient {
    fn read(&mut self, key: &str) -> Result<Option<Value>, ClientError> {
        let options = self
            .serializable
            .then(|| GetOptions::new().with_serializable());
        let key = key.to_string();
        self.call(|mut c| async move {
            let r = c.get(key, options).await?;
            Ok(r.kvs().first().map(|kv| value_of(kv.value())))
        })
    }

    fn write(&mut self, key: &str, value: i64) -> Result<(), ClientError> {
        let key = key.to_string();
        self.call(|mut c| async move {
            c.put(key, value.to_string(), None).await?;
            Ok(())
        })
    }

    fn cas(&mut self, key: &str, expected: &Value, new: i64) -> Result<bool, ClientError> {
        let txn = Txn::new()
            .when([Compare::value(key, CompareOp::Equal, bytes_of(expected))])
            .and_then([TxnOp::put(key, new.to_string(), None)]);
        self.call(|mut c| async move { Ok(c.txn(txn).await?.succeeded()) })
    }
}
