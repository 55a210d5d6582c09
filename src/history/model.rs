//! Names of the data models users pick with `--model` or a history names
//! in its header (`%model`), typed so a bad name is a parse error. The sequential
//! specifications themselves live with the strong checks
//! (`check::linearizable`).

use std::fmt;

/// A data model: the sequential specification operations are checked
/// against by the strong checks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// Read/write register (per key).
    Register,
    /// Register with compare-and-set; a CAS answering false is observed.
    CasRegister,
    /// Key-value map of string registers: get, put, append.
    Kv,
    /// Grow-only set: add, read (the whole set).
    Set,
    /// FIFO queue: enqueue, dequeue.
    Queue,
    /// Counter: add a delta, read the total.
    Counter,
    /// Mutex: acquire, release.
    Mutex,
    /// Transactions over several registers.
    MultiRegister,
}

impl Model {
    pub const ALL: [Model; 8] = [
        Model::Register,
        Model::CasRegister,
        Model::Kv,
        Model::Set,
        Model::Queue,
        Model::Counter,
        Model::Mutex,
        Model::MultiRegister,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::Kv => "kv",
            Model::Set => "set",
            Model::Queue => "queue",
            Model::Counter => "counter",
            Model::Mutex => "mutex",
            Model::MultiRegister => "multi-register",
        }
    }

    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Every model's name, for error messages and help.
    pub fn names() -> Vec<&'static str> {
        Model::ALL.iter().map(|m| m.name()).collect()
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
