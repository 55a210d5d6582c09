//! Text renderings of histories and verdicts.

pub mod dot;
