//! # topologies: pure builders of clustersim platforms
//!
//! Each builder takes a spec and a compute device and returns a plain [`sim_core::Platform`] (dense
//! `NodeId`/`LinkId` vectors) for the engine:
//! - [`star`]: hosts around one switch;
//! - [`fat_tree`]: two-level leaf/spine fabric with an oversubscription ratio ([`FatTreeSpec`]);
//! - [`multi_datacenter`]: one star LAN per cloud region, the regions joined by WAN cables whose two
//!   directions carry the bandwidth, latency and egress price measured between AWS regions
//!   ([`cloud_regions`], Skyplane data, embedded at compile time).
//!
//! Builders assemble a [`PlatformGraph`] (a `petgraph` undirected graph of hosts, switches and cables),
//! check it (connectivity with `petgraph::algo::connected_components`, unique names, valid cables),
//! then convert it into a `Platform` in node- and edge-index order.
//!
//! **Architecture invariant:** builders are pure functions: no file I/O (the measured data is compiled in
//! with `include_str!`), no randomness, no `HashMap` iteration. The same spec always gives the same
//! `Platform`, so node and link indices are stable and can be named in scenarios and golden files.
//! Each builder documents its node and link order.
//!
//! ```
//! use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, LinkSpec, SimDuration};
//! use topologies::{fat_tree, FatTreeSpec};
//!
//! let gpu = ComputeDevice {
//!     peak: FlopPerSec(100_000_000_000_000),
//!     efficiency: 0.5,
//!     memory_bytes: 80 << 30,
//!     memory_bandwidth: BytesPerSec(2_000_000_000_000),
//!     launch_overhead: SimDuration::from_us(5),
//! };
//! // 4 racks of 8 hosts at 12.5 GB/s, 2 spines, 2:1 oversubscribed.
//! let spec = FatTreeSpec {
//!     leaves: 4,
//!     hosts_per_leaf: 8,
//!     spines: 2,
//!     host_link: LinkSpec::new(BytesPerSec(12_500_000_000), SimDuration::from_ns(500)),
//!     oversubscription: 2.0,
//!     spine_link_latency: SimDuration::from_ns(500),
//!     switch_latency: SimDuration::from_ns(300),
//! };
//! let platform = fat_tree(&spec, &gpu).unwrap();
//! assert_eq!(platform.hosts().len(), 32);
//! // Each leaf: 8 · 12.5 GB/s down, 2 uplinks of 25 GB/s up.
//! assert_eq!(spec.leaf_spine_bandwidth().unwrap(), BytesPerSec(25_000_000_000));
//! ```

#![deny(missing_docs)]

pub mod cloud_regions;
mod error;
mod fat_tree;
pub mod graph;
mod multi_dc;
mod star;

pub use cloud_regions::WanPath;
pub use error::TopologyError;
pub use fat_tree::{fat_tree, FatTreeSpec};
pub use graph::PlatformGraph;
pub use multi_dc::{multi_datacenter, MultiDcSpec, WanOverride};
pub use star::star;

#[cfg(test)]
mod tests;
