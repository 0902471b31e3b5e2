//! # sim-core: the engine of clustersim
//!
//! A deterministic discrete-event engine (integer picosecond time, total event order, seeded ChaCha
//! streams), the hardware it models (compute devices, links, switches), a flow-level network with
//! max-min fair sharing, and the distributed runtimes that run real ML programs on that hardware
//! (parameter server with BSP, SSP, ESSP, asynchronous and Gaia consistency; STRADS scheduled model
//! parallelism; collectives).
//!
//! **Architecture invariant:** this crate does no I/O and knows nothing of scenario files, RON,
//! plots or the terminal; it depends on no other workspace crate. Same inputs and seed give the
//! same results, bit for bit: no wall clock, no `HashMap` iteration, no threads inside a run.

#![deny(missing_docs)]

pub mod collective;
pub mod compute;
pub mod engine;
pub mod faults;
pub mod flow;
pub mod ocs;
pub mod platform;
pub mod program;
pub mod queue;
pub mod rng;
pub mod routing;
pub mod runtime;
pub mod straggler;
pub mod time;
pub mod training;

pub use compute::{ComputeDevice, Work};
pub use engine::Simulation;
pub use flow::{Completion, FlowFailure, FlowId, FlowNetwork, LinkFault, NetworkAudit, NetworkModel};
pub use platform::{Link, LinkId, LinkSpec, Node, NodeId, NodeKind, Platform};
pub use program::{
    Commit, DataParallelProgram, ModelParallelProgram, Params, Partial, RowDelta, RowRef, Schedule, Step, TableSpec,
    Task,
};
pub use routing::{PathSelection, Route, Router, RoutingError};
pub use straggler::{StragglerModel, WorkerSlowdown};
pub use time::{BytesPerSec, FlopPerSec, SimDuration, SimTime};
