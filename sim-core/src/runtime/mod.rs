//! Distributed runtimes that execute real ML programs on simulated hardware.

pub mod ps;
pub mod strads;
