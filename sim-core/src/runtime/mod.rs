//! Distributed runtimes that execute real ML programs on simulated hardware.

mod channel;
pub mod ps;
pub mod strads;
