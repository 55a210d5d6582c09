//! Text renderings of histories and reports.

pub mod jsonl;
