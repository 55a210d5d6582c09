//! Why a simulation could not produce a history.

/// Why a run could not produce a history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("unknown protocol `{name}`; valid protocols: {valid}")]
    UnknownProtocol { name: String, valid: String },
    #[error("unknown fault knob `{name}`; valid knobs: {valid}")]
    UnknownFault { name: String, valid: String },
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
