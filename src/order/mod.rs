//! Orders over a history's operations: the relations the weak checks are
//! built from (session order, reads-from, real-time order), vector clocks for
//! causal order, and a labelled happens-before graph for evidence.
//!
//! * [`relations`]: which operations the register checks use, session order,
//!   reads-from (with values written more than once detected and reported),
//!   and real-time order as an interval sweep over O(n) time points.
//! * [`vclock`]: vector clocks (one entry per session) for the transitive
//!   closure of a session-ordered DAG, computed in topological order:
//!   co = (so ∪ rf)⁺ in O(n·k) for k sessions (Bouajjani et al., POPL 2017).
//! * [`graph`]: a petgraph graph of the operations in a violation with
//!   labelled edges, the shortest cycle inside a strongly connected
//!   component, and DOT export.
//!
//! Architecture invariant: nothing here decides a verdict; the checks in
//! `check/` do. Nothing here ever builds Θ(n²) edges.

pub mod edge;
pub mod graph;
pub mod relations;
pub mod vclock;
