//! Topology builders.
