//! Consistency checks: each guarantee is a module that names the definition
//! it implements and its source, and returns a [`GuaranteeResult`] carrying
//! its evidence.
//!
//! Every check has one shape ([`Check`]: its guarantee, what it
//! [`Needs`], and `run`), is listed once in [`registry::REGISTRY`], and is
//! run by [`check`], which prepares what the requested checks need once and
//! shares it ([`Shared`]). The files below the guarantee modules are what
//! they share: [`result`] (configuration and results), [`prepare`] (the
//! relations every polynomial check starts from), [`sanity`], [`scan`] (the
//! causal scan), [`views`] (the per-session view engine) and [`evidence`].
//!
//! The vocabulary ([`Guarantee`], [`Verdict`], [`Model`]) lives below this
//! layer, in `crate::guarantee` and `crate::history`.

pub mod causal;
pub mod causal_convergence;
pub mod convergence;
pub mod evidence;
pub mod linearizable;
pub mod pattern;
pub mod pram;
pub mod prepare;
pub mod registry;
pub mod result;
pub mod sanity;
pub mod scan;
pub mod sentence;
pub mod sequential;
pub mod session;
pub mod shared;
pub mod views;
pub mod weak_causal;

pub use crate::guarantee::{Guarantee, Verdict};
pub use crate::history::Model;
pub use crate::order::edge::{Edge, EdgeLabel};
pub use linearizable::spec::DataModel;
pub use pattern::Pattern;
pub use registry::{check, check_one, check_polynomial};
pub use result::{CheckConfig, GuaranteeResult, Staleness, Violation};
pub use shared::{Check, Needs, Shared};
