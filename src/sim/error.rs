//! The simulator's one error type. It has a file of its own because every
//! layer of the simulator returns it: the catalogue (an unknown protocol or
//! knob name), the configuration (a knob of another protocol, a size out of
//! range) and the engine (the event budget, a protocol bug), and the
//! catalogue lies below the configuration.

/// Why a run could not produce a history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// `hint` is empty or " (did you mean `…`?)".
    #[error("unknown protocol `{name}`{hint}; valid protocols: {valid}")]
    UnknownProtocol {
        name: String,
        hint: String,
        valid: String,
    },
    /// `hint` is empty or " (did you mean `…`?)".
    #[error("unknown fault knob `{name}`{hint}; valid knobs: {valid}")]
    UnknownFault {
        name: String,
        hint: String,
        valid: String,
    },
    #[error("fault knob `{fault}` does not apply to protocol `{protocol}`; its knobs: {valid}")]
    FaultNotForProtocol {
        fault: String,
        protocol: String,
        valid: String,
    },
    #[error("invalid simulation configuration: {0}")]
    InvalidConfig(String),
    #[error("the run exceeded its budget of {0} events")]
    EventBudget(u64),
    #[error("internal protocol error: {0}")]
    Protocol(String),
}
