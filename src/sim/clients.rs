//! The clients: the workload (what each client asks next) and the
//! recording of what it observed into the [`HistoryBuilder`].
//!
//! Clients follow Jepsen's discipline: a process has at most one operation
//! outstanding; an operation that times out is recorded with an unknown
//! outcome ([`Outcome::Info`]) and the client continues as a new process,
//! because the old one may still take effect at any later time. Operations
//! are recorded through [`HistoryBuilder::invoke`] and
//! [`HistoryBuilder::complete`] at the virtual time they happen, so the
//! history's real-time order is the simulation's real-time order.
//!
//! The workload: in the main phase a client reads or writes (a unique value
//! per write) a random key, or after a write, with
//! [`SimConfig::reread_fraction`], the key it wrote; after the heal it waits
//! for the quiescence point and then reads every key once, in order.

use super::catalogue::names;
use super::config::SimConfig;
use super::error::SimError;
use super::network::{Ctx, Event, Message, NodeId, Reply, ReqOp, Request};
use crate::history::{
    Annotation, Call, Completion, HistoryBuilder, Invocation, KeyId, Model, Observed, Outcome,
    ProcessId, Ret, Time, TimeUnit,
};

/// A history builder for the run, its metadata filled in: the generator,
/// the protocol and knobs, the seed and the sizes, so that a history says
/// where it came from (and `row_of` finds its matrix row).
pub(super) fn new_history(cfg: &SimConfig) -> HistoryBuilder {
    let mut builder = HistoryBuilder::new();
    builder.metadata.model = Some(Model::Register);
    builder.metadata.time_unit = TimeUnit::Micros;
    let knobs = names(cfg.faults.iter().map(|f| f.name()));
    builder.metadata.extra = vec![
        ("generator".to_string(), "concord-sim".to_string()),
        ("protocol".to_string(), cfg.protocol.name().to_string()),
        (
            "knobs".to_string(),
            if knobs.is_empty() {
                "none".to_string()
            } else {
                knobs
            },
        ),
        ("seed".to_string(), cfg.seed.to_string()),
        ("nodes".to_string(), cfg.nodes.to_string()),
        ("clients".to_string(), cfg.clients.to_string()),
        ("keys".to_string(), cfg.keys.to_string()),
        ("sticky".to_string(), cfg.sticky.to_string()),
    ];
    builder
}

/// Marks `time` in the history with `text`, after the operations recorded
/// so far.
pub(super) fn annotate(builder: &mut HistoryBuilder, time: Time, text: &str) {
    let ops_before = builder.op_count() as u32;
    builder.annotations.push(Annotation {
        time: Some(time),
        ops_before,
        kind: crate::history::AnnotationKind::of_text(text),
        text: text.to_string(),
        line: 0,
    });
}

/// A builder refusing an event is a bug in the engine or a protocol (a
/// reply to nothing outstanding, time going backwards), reported as such.
fn protocol_error(e: impl std::fmt::Display) -> SimError {
    SimError::Protocol(e.to_string())
}

/// Writes invocations and completions into the history, numbering them as
/// lines in the order they happen.
struct Recorder {
    keys: Vec<KeyId>,
    line: u32,
}

impl Recorder {
    fn invoke(
        &mut self,
        builder: &mut HistoryBuilder,
        process: ProcessId,
        key: u32,
        write: Option<i64>,
        time: Time,
    ) -> Result<(), SimError> {
        self.line += 1;
        let call = match write {
            Some(v) => Call::Write(builder.int(v)),
            None => Call::Read,
        };
        let key = self.keys[key as usize];
        let line = self.line;
        builder
            .invoke(Invocation {
                process,
                key,
                call,
                time,
                line,
            })
            .map_err(protocol_error)?;
        Ok(())
    }

    fn complete(
        &mut self,
        builder: &mut HistoryBuilder,
        process: ProcessId,
        outcome: Outcome,
        call: Option<Call>,
        time: Time,
    ) -> Result<(), SimError> {
        self.line += 1;
        let line = self.line;
        builder
            .complete(Completion {
                process,
                outcome,
                time,
                line,
                call,
            })
            .map_err(protocol_error)?;
        Ok(())
    }
}

/// Per client: its current process, the operation it has outstanding, and
/// where it is in the run.
struct Client {
    process: ProcessId,
    incarnation: u32,
    home: NodeId,
    outstanding: Option<Outstanding>,
    /// The key of the client's last write, for read-after-write workloads.
    last_write: Option<u32>,
    /// During the final round: the next key to read (`None` before it,
    /// `u32::MAX` once done).
    final_key: Option<u32>,
}

#[derive(Copy, Clone)]
struct Outstanding {
    id: u64,
    key: u32,
    write: Option<i64>,
}

fn process_name(client: u32, incarnation: u32, clients: u32) -> String {
    format!("p{}", client + incarnation * clients)
}

/// What a client did when woken ([`Clients::next`]).
pub(super) enum Next {
    /// Nothing: an operation is outstanding, or the client waits for the
    /// final round, or it has finished.
    Idle,
    /// It invoked an operation; in the main phase, `Some(n)`: the run's
    /// `n`-th.
    Invoked(Option<usize>),
    /// It finished the final round, and so has every other client: the
    /// run is over.
    AllDone,
}

/// Where a client is in the final round.
enum FinalStep {
    Read(u32),
    /// Every key read: the client is done.
    Finished,
    /// The quiescence point is not reached yet.
    Wait,
}

/// Every client of the run, the workload's counters and the recorder.
pub(super) struct Clients<'c> {
    cfg: &'c SimConfig,
    clients: Vec<Client>,
    record: Recorder,
    /// Main-phase operations invoked so far.
    issued: usize,
    /// The last value written (values are unique per run).
    next_value: i64,
    /// The last request id handed out.
    next_req: u64,
    /// Set by the heal: from then on, clients read every key once.
    quiescent_at: Option<Time>,
    /// Clients done with the final round.
    finished: usize,
}

impl<'c> Clients<'c> {
    /// The clients, each as its first process (`p0`, `p1`, …) and with its
    /// home node; the keys are named `k0`, `k1`, … first.
    pub(super) fn new(cfg: &'c SimConfig, builder: &mut HistoryBuilder) -> Clients<'c> {
        let keys = (0..cfg.keys)
            .map(|k| builder.key(&format!("k{k}")))
            .collect();
        let clients_n = cfg.clients as u32;
        let clients = (0..clients_n)
            .map(|c| Client {
                process: builder.process(&process_name(c, 0, clients_n)),
                incarnation: 0,
                home: c as usize % cfg.nodes,
                outstanding: None,
                last_write: None,
                final_key: None,
            })
            .collect();
        Clients {
            cfg,
            clients,
            record: Recorder { keys, line: 0 },
            issued: 0,
            next_value: 0,
            next_req: 0,
            quiescent_at: None,
            finished: 0,
        }
    }

    /// Wakes every client after a first think time.
    pub(super) fn start<M: Message>(&self, ctx: &mut Ctx<M>) {
        for client in 0..self.cfg.clients as u32 {
            let at = ctx.rng.range(0, self.cfg.think_max_us);
            ctx.push(at, Event::ClientNext { client });
        }
    }

    /// Wakes `client` again after a think time.
    fn think<M: Message>(&self, ctx: &mut Ctx<M>, client: u32) {
        let at = ctx.now + ctx.rng.range(0, self.cfg.think_max_us);
        ctx.push(at, Event::ClientNext { client });
    }

    /// `client` is awake: it invokes its next operation, if it has one.
    pub(super) fn next<M: Message>(
        &mut self,
        ctx: &mut Ctx<M>,
        builder: &mut HistoryBuilder,
        client: u32,
    ) -> Result<Next, SimError> {
        if self.clients[client as usize].outstanding.is_some() {
            return Ok(Next::Idle);
        }
        let (key, write) = if self.issued < self.cfg.ops {
            self.choose(ctx, client)
        } else {
            match self.final_step(ctx.now, client) {
                FinalStep::Read(key) => (key, None),
                FinalStep::Finished => {
                    self.finished += 1;
                    let all = self.finished == self.cfg.clients;
                    return Ok(if all { Next::AllDone } else { Next::Idle });
                }
                FinalStep::Wait => return Ok(Next::Idle),
            }
        };
        self.invoke(ctx, builder, client, key, write)?;
        if self.issued < self.cfg.ops {
            self.issued += 1;
            return Ok(Next::Invoked(Some(self.issued)));
        }
        Ok(Next::Invoked(None))
    }

    /// A main-phase operation: a read, or a write of a fresh value, of a
    /// random key or (after a write, sometimes) the key just written.
    fn choose<M: Message>(&mut self, ctx: &mut Ctx<M>, client: u32) -> (u32, Option<i64>) {
        let cfg = self.cfg;
        let key = match self.clients[client as usize].last_write {
            Some(k) if ctx.rng.chance(cfg.reread_fraction) => k,
            _ => ctx.rng.below(cfg.keys as u64) as u32,
        };
        if ctx.rng.chance(cfg.read_fraction) {
            (key, None)
        } else {
            self.next_value += 1;
            (key, Some(self.next_value))
        }
    }

    fn final_step(&mut self, now: Time, client: u32) -> FinalStep {
        let cl = &mut self.clients[client as usize];
        match (self.quiescent_at, cl.final_key) {
            (Some(q), Some(k)) if now >= q && (k as usize) < self.cfg.keys => {
                cl.final_key = Some(k + 1);
                FinalStep::Read(k)
            }
            (Some(q), Some(k)) if now >= q && k != u32::MAX => {
                cl.final_key = Some(u32::MAX);
                FinalStep::Finished
            }
            // Main phase over, settle not reached: wait for the heal to
            // wake us at the quiescence point.
            _ => FinalStep::Wait,
        }
    }

    /// Records the invocation and sends the request to a replica (the
    /// client's home if sticky, else a random one), with a timeout.
    fn invoke<M: Message>(
        &mut self,
        ctx: &mut Ctx<M>,
        builder: &mut HistoryBuilder,
        client: u32,
        key: u32,
        write: Option<i64>,
    ) -> Result<(), SimError> {
        let cfg = self.cfg;
        let time = ctx.now;
        let cl = &mut self.clients[client as usize];
        let node = if cfg.sticky {
            cl.home
        } else {
            ctx.rng.below(cfg.nodes as u64) as usize
        };
        self.next_req += 1;
        let id = self.next_req;
        self.record.invoke(builder, cl.process, key, write, time)?;
        cl.outstanding = Some(Outstanding { id, key, write });
        let op = match write {
            Some(v) => ReqOp::Write(v),
            None => ReqOp::Read,
        };
        let req = Request {
            client,
            id,
            key,
            op,
        };
        let at = time + ctx.sample(ctx.client_latency);
        ctx.push(at, Event::Request { node, req });
        ctx.push_timeout(time + cfg.timeout_us, Event::Timeout { client, id });
        ctx.stats.ops += 1;
        Ok(())
    }

    /// A replica answered request `id` of `client`.
    pub(super) fn on_reply<M: Message>(
        &mut self,
        ctx: &mut Ctx<M>,
        builder: &mut HistoryBuilder,
        client: u32,
        id: u64,
        reply: Reply,
    ) -> Result<(), SimError> {
        let cl = &mut self.clients[client as usize];
        let Some(out) = cl.outstanding else {
            return Ok(());
        };
        if out.id != id {
            // A late answer to an operation that already timed out: its
            // process is gone, as in Jepsen.
            return Ok(());
        }
        let (outcome, call) = match (reply, out.write) {
            (Reply::Read(v), None) => {
                let observed = match v {
                    Some(v) => Observed::Value(builder.int(v)),
                    None => Observed::Absent,
                };
                (Outcome::Ok(Ret::Value(observed)), None)
            }
            (Reply::Written(actual), Some(asked)) => {
                let call = (actual != asked).then(|| Call::Write(builder.int(actual)));
                (Outcome::Ok(Ret::Ack), call)
            }
            // A protocol answered a read with a write acknowledgement or
            // the reverse: a bug in the protocol, reported as an error
            // rather than recorded as a fabricated result.
            _ => return Err(protocol_error(format!("mismatched reply {reply:?}"))),
        };
        self.record
            .complete(builder, cl.process, outcome, call, ctx.now)?;
        cl.outstanding = None;
        cl.last_write = out.write.map(|_| out.key);
        self.think(ctx, client);
        Ok(())
    }

    /// Request `id` of `client` timed out: recorded as unknown, and the
    /// client goes on as a new process.
    pub(super) fn on_timeout<M: Message>(
        &mut self,
        ctx: &mut Ctx<M>,
        builder: &mut HistoryBuilder,
        client: u32,
        id: u64,
    ) -> Result<(), SimError> {
        let cl = &mut self.clients[client as usize];
        if !matches!(cl.outstanding, Some(o) if o.id == id) {
            return Ok(());
        }
        self.record
            .complete(builder, cl.process, Outcome::Info, None, ctx.now)?;
        ctx.stats.timeouts += 1;
        cl.outstanding = None;
        cl.last_write = None;
        cl.incarnation += 1;
        let name = process_name(client, cl.incarnation, self.cfg.clients as u32);
        cl.process = builder.process(&name);
        self.think(ctx, client);
        Ok(())
    }

    /// After the heal: the quiescence point is a settle period away, and
    /// from then on every client reads every key once. Clients with
    /// nothing outstanding are woken then; the others when they return.
    pub(super) fn begin_final_round<M: Message>(
        &mut self,
        ctx: &mut Ctx<M>,
        builder: &mut HistoryBuilder,
    ) {
        let q = ctx.now + self.cfg.settle_us;
        self.quiescent_at = Some(q);
        builder.metadata.quiescent_at = Some(q);
        annotate(builder, q, "quiescent: settle period over, reads only");
        for (client, cl) in self.clients.iter_mut().enumerate() {
            cl.final_key = Some(0);
            if cl.outstanding.is_none() {
                let client = client as u32;
                ctx.push(q, Event::ClientNext { client });
            }
        }
    }
}
