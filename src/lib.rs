//! # clustersim
//!
//! A deterministic discrete-event simulator of ML training clusters and their interconnects. This
//! package is the command-line tool: the scenario schema ([`scenario`], [`units`]), run
//! orchestration ([`run`], [`collectives`], [`phases`], [`strads`], [`dnn`]), output files
//! ([`output`]), parameter sweeps ([`sweep`]) and the reproductions of published claims
//! ([`reproduce`]). The engine
//! lives in `sim-core`, the platform builders in `topologies`, the ML programs in `workloads`, and
//! the renderers in `reports`.
//!
//! **Architecture invariant:** this is the only crate that touches the file system, RON or the
//! terminal.

#![deny(missing_docs)]

pub mod check;
pub mod collectives;
pub mod dnn;
pub mod faults;
pub mod output;
pub mod phases;
pub mod place;
pub mod reproduce;
pub mod run;
pub mod scenario;
pub mod strads;
pub mod sweep;
pub mod units;

/// The built-in quickstart scenario (`scenarios/quickstart.ron`), run by plain `clustersim`.
pub const QUICKSTART: &str = include_str!("../scenarios/quickstart.ron");
