//! The deciders' own model of a history, built from the parsed fields
//! alone (no session list, no precedence helper of the library).
//!
//! docs/semantics.md, "Operations that count":
//!
//! > * **ok**: took effect, result known.
//! > * **fail**: definitely did not take effect. Dropped from every check;
//! >   a read of a value only failed writes wrote is an `AbortedRead`.
//! > * **info / pending** (unknown outcome): may take effect at **one point
//! >   after its invoke, or never**, and is **not session-ordered before the
//! >   later operations of its process** [...]. It is session-ordered
//! >   *after* its process's earlier operations [...]. With real time it is
//! >   after every operation that returned before its invoke, and before
//! >   nothing. [...] An unknown-outcome read constrains nothing and is
//! >   dropped.
//! > * A read with an unrecorded result (`Observed::Unknown`) constrains
//! >   nothing and is dropped.
//!
//! "Reads-from and the sanity axioms":
//!
//! > A read returning value v of key x reads from a write of v to x that
//! > took effect and is not so-after the read, or from the initial value
//! > [...]. When several writes could be the source (a value written
//! > twice), a violation must hold for **every** choice, a "holds" for
//! > **some** choice.
//!
//! So a decider asks: is there a *world* (a set of unknown-outcome writes
//! that took effect, and a source for every read) in which the guarantee's
//! definition is met? [`exists_world`] enumerates every world.

use concord::history::{Call, History, Observed, Outcome, Ret};

/// A read result or an initial value: `None` is absent (`nil`).
pub type Val = Option<u32>;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Read(Val),
    Write(u32),
}

/// One counted operation.
#[derive(Clone, Debug)]
pub struct Op {
    /// Input line, for messages.
    pub line: u32,
    pub process: usize,
    pub key: usize,
    pub kind: Kind,
    /// Unknown outcome (info or pending): only writes are kept with it.
    pub unknown: bool,
    pub invoke: u64,
    /// Return time; unknown-outcome operations are treated as never
    /// returning.
    pub ret: Option<u64>,
}

impl Op {
    pub fn is_read(&self) -> bool {
        matches!(self.kind, Kind::Read(_))
    }
    pub fn is_write(&self) -> bool {
        matches!(self.kind, Kind::Write(_))
    }
}

/// The source a read reads from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Src {
    Init,
    Write(usize),
}

/// One resolution of what the history leaves open.
#[derive(Clone, Debug)]
pub struct World {
    /// Per op: took effect (reads and ok writes always).
    pub effective: Vec<bool>,
    /// Per op: the source of a read (`None` for writes).
    pub rf: Vec<Option<Src>>,
}

pub struct Model {
    pub ops: Vec<Op>,
    pub processes: usize,
    pub keys: usize,
    /// Session order: `so[a][b]`.
    pub so: Vec<Vec<bool>>,
    pub timed: bool,
    /// Initial value per key.
    pub initial: Vec<Val>,
    pub quiescent_at: Option<u64>,
    /// A sanity-axiom violation (thin air, aborted, session-form future
    /// read): it violates every guarantee.
    pub sanity: Option<String>,
}

impl Model {
    /// Builds the model; `Err` for operations other than register reads
    /// and writes.
    pub fn build(h: &History) -> Result<Model, String> {
        let mut ops = Vec::new();
        // (history order key, op) so that session order can break ties by
        // input order.
        let mut order = Vec::new();
        let mut failed = Vec::new();
        for o in h.ops() {
            let kind = match (&o.call, &o.outcome) {
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Value(v)))) => Kind::Read(Some(v.0)),
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Absent))) => Kind::Read(None),
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Unknown))) => continue,
                (Call::Read, Outcome::Info | Outcome::Fail) => continue,
                (Call::Write(v), Outcome::Fail) => {
                    failed.push((o.key.index(), v.0));
                    continue;
                }
                (Call::Write(v), Outcome::Ok(_) | Outcome::Info) => Kind::Write(v.0),
                (c, out) => return Err(format!("unsupported operation {c:?} {out:?}")),
            };
            let unknown = matches!(o.outcome, Outcome::Info);
            order.push((o.invoke, o.id.0));
            ops.push(Op {
                line: o.source.line,
                process: o.process.index(),
                key: o.key.index(),
                kind,
                unknown,
                invoke: o.invoke,
                ret: if unknown { None } else { o.ret },
            });
        }
        let n = ops.len();
        // so: same process, earlier in invoke order (ties: input order), and
        // the earlier one completed (unknown outcomes are so-before nothing).
        let mut so = vec![vec![false; n]; n];
        for a in 0..n {
            for b in 0..n {
                so[a][b] = a != b
                    && ops[a].process == ops[b].process
                    && order[a] < order[b]
                    && !ops[a].unknown;
            }
        }
        let initial = (0..h.key_count())
            .map(|k| h.initial(concord::history::KeyId(k as u32)).map(|v| v.0))
            .collect();
        let mut m = Model {
            ops,
            processes: h.process_count(),
            keys: h.key_count(),
            so,
            timed: h.has_real_time(),
            initial,
            quiescent_at: h.metadata.quiescent_at,
            sanity: None,
        };
        m.sanity = m.sanity_violation(&failed);
        Ok(m)
    }

    fn write_value(&self, w: usize) -> u32 {
        match self.ops[w].kind {
            Kind::Write(v) => v,
            Kind::Read(_) => unreachable!("not a write"),
        }
    }

    /// The value a read returned.
    pub fn read_value(&self, r: usize) -> Val {
        match self.ops[r].kind {
            Kind::Read(v) => v,
            Kind::Write(_) => unreachable!("not a read"),
        }
    }

    /// Does write `w` write what read `r` returned, on its key?
    pub fn matches(&self, w: usize, r: usize) -> bool {
        self.ops[w].is_write()
            && self.ops[w].key == self.ops[r].key
            && Some(self.write_value(w)) == self.read_value(r)
    }

    /// Could read `r` read the initial value?
    pub fn init_matches(&self, r: usize) -> bool {
        self.initial[self.ops[r].key] == self.read_value(r)
    }

    /// "ThinAirRead (no write of the value), AbortedRead (only failed
    /// writes), and FutureRead in the session form (the only writes of the
    /// value are so-after the read, in the reader's own session) violate
    /// every guarantee."
    fn sanity_violation(&self, failed: &[(usize, u32)]) -> Option<String> {
        for r in 0..self.ops.len() {
            if !self.ops[r].is_read() || self.init_matches(r) {
                continue;
            }
            let writes: Vec<usize> = (0..self.ops.len())
                .filter(|&w| self.matches(w, r))
                .collect();
            if writes.iter().any(|&w| !self.so[r][w]) {
                continue;
            }
            let line = self.ops[r].line;
            let v = self.read_value(r);
            let aborted = v.is_some_and(|v| failed.contains(&(self.ops[r].key, v)));
            return Some(if !writes.is_empty() {
                format!("future read (session form), line {line}")
            } else if aborted {
                format!("aborted read, line {line}")
            } else {
                format!("thin-air read, line {line}")
            });
        }
        None
    }

    /// Every subset of the unknown-outcome writes taking effect, as a
    /// per-op `effective` vector.
    pub fn effect_subsets(&self) -> Vec<Vec<bool>> {
        let unknown: Vec<usize> = (0..self.ops.len())
            .filter(|&i| self.ops[i].unknown)
            .collect();
        (0u64..1 << unknown.len())
            .map(|bits| {
                let mut eff = vec![true; self.ops.len()];
                for (j, &i) in unknown.iter().enumerate() {
                    eff[i] = bits >> j & 1 == 1;
                }
                eff
            })
            .collect()
    }

    /// The possible sources of read `r` given which writes took effect.
    pub fn sources(&self, eff: &[bool], r: usize) -> Vec<Src> {
        let mut s: Vec<Src> = (0..self.ops.len())
            .filter(|&w| eff[w] && self.matches(w, r) && !self.so[r][w])
            .map(Src::Write)
            .collect();
        if self.init_matches(r) {
            s.push(Src::Init);
        }
        s
    }
}

/// Is there a world (effective subset × a source for every read) for
/// which `pred` holds? Worlds in which some read has no source are none.
pub fn exists_world(m: &Model, mut pred: impl FnMut(&World) -> bool) -> bool {
    let reads: Vec<usize> = (0..m.ops.len()).filter(|&i| m.ops[i].is_read()).collect();
    for eff in m.effect_subsets() {
        let choices: Vec<Vec<Src>> = reads.iter().map(|&r| m.sources(&eff, r)).collect();
        if choices.iter().any(|c| c.is_empty()) {
            continue;
        }
        // Odometer over the choices.
        let mut idx = vec![0usize; reads.len()];
        loop {
            let mut rf = vec![None; m.ops.len()];
            for (j, &r) in reads.iter().enumerate() {
                rf[r] = Some(choices[j][idx[j]]);
            }
            let world = World {
                effective: eff.clone(),
                rf,
            };
            if pred(&world) {
                return true;
            }
            let mut j = 0;
            while j < idx.len() {
                idx[j] += 1;
                if idx[j] < choices[j].len() {
                    break;
                }
                idx[j] = 0;
                j += 1;
            }
            if j == idx.len() {
                break;
            }
        }
    }
    false
}

/// Transitive closure of a relation given as a matrix (Floyd–Warshall).
pub fn closure(mut rel: Vec<Vec<bool>>) -> Vec<Vec<bool>> {
    let n = rel.len();
    for k in 0..n {
        for i in 0..n {
            if rel[i][k] {
                for j in 0..n {
                    if rel[k][j] {
                        rel[i][j] = true;
                    }
                }
            }
        }
    }
    rel
}

/// Does the closure of `rel` have a cycle?
pub fn cyclic(rel: &[Vec<bool>]) -> bool {
    closure(rel.to_vec())
        .iter()
        .enumerate()
        .any(|(i, row)| row[i])
}

/// co = (so ∪ rf)⁺ over the ops that took effect in `w`.
pub fn causal_order(m: &Model, w: &World) -> Vec<Vec<bool>> {
    let n = m.ops.len();
    let mut rel = vec![vec![false; n]; n];
    for a in 0..n {
        for b in 0..n {
            rel[a][b] = w.effective[a] && w.effective[b] && m.so[a][b];
        }
    }
    for r in 0..n {
        if let Some(Src::Write(src)) = w.rf[r] {
            rel[src][r] = true;
        }
    }
    closure(rel)
}

/// Ops of process `p` that are reads.
pub fn reads_of(m: &Model, p: usize) -> Vec<usize> {
    (0..m.ops.len())
        .filter(|&i| m.ops[i].process == p && m.ops[i].is_read())
        .collect()
}

/// Every read.
pub fn reads(m: &Model) -> Vec<usize> {
    (0..m.ops.len()).filter(|&i| m.ops[i].is_read()).collect()
}

/// The writes that took effect in `w`.
pub fn writes(m: &Model, eff: &[bool]) -> Vec<usize> {
    (0..m.ops.len())
        .filter(|&i| m.ops[i].is_write() && eff[i])
        .collect()
}
