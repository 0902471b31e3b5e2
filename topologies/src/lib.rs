//! # topologies: pure builders of clustersim platforms
//!
//! Each builder takes a spec (and usually a compute device) and returns a plain [`sim_core::Platform`]
//! (dense `NodeId`/`LinkId` vectors) for the engine:
//! - [`star`]: hosts around one switch;
//! - [`fat_tree`]: two-level leaf/spine fabric with an oversubscription ratio ([`FatTreeSpec`]);
//! - [`k_ary_fat_tree`]: three-level k-ary fat-tree of Al-Fares et al. (SIGCOMM 2008), oversubscribed at the
//!   edge ([`KaryFatTreeSpec`]);
//! - [`dgx_node`], [`dgx_cluster`]: DGX-class nodes (GPUs on an NVSwitch, one NIC per GPU) on one switch, a
//!   leaf/spine fabric, or **rail-optimized** rails with or without spines ([`DgxClusterSpec`], [`DgxFabric`]);
//! - [`direct_fabric`]: optical direct-connect fabrics of GPUs with optical I/O chiplets: ring, 2D and 3D
//!   torus, `d/2` permutations (seeded random or fixed shifts), or explicit circuits ([`DirectFabricSpec`],
//!   [`FabricShape`]); see [`Forwarding`] for what `sim_core`'s router still lacks there;
//! - [`co_design()`]: chooses the circuits (and ports per circuit) of such a fabric from a training plan's ring
//!   and point-to-point demands, heaviest traffic one hop, fabric kept connected (SiP-ML's SiP-OCS, TopoOpt);
//! - [`circuit_switched_fabric`]: GPUs whose optical ports an optical circuit switch patches into a sequence
//!   of configurations, built once as the union of their circuits ([`CircuitSwitchedSpec`]);
//! - [`multi_datacenter`]: one star LAN per cloud region, the regions joined by WAN cables whose two
//!   directions carry the bandwidth, latency and egress price measured between AWS regions
//!   ([`cloud_regions`], Skyplane data, embedded at compile time);
//! - [`zoo_wan`]: a data center per PoP of a real backbone from the Internet Topology Zoo
//!   ([`topology_zoo`], embedded), latency from link length, capacity assumed.
//!
//! [`catalogue`] holds named hardware presets with their sources (A100, H100, H200; DGX A100/H100;
//! InfiniBand HDR/NDR, 100/400 GbE; the TeraPHY optical chiplet; MEMS and µs-class optical circuit switches).
//!
//! Builders assemble a [`PlatformGraph`] (a `petgraph` undirected graph of hosts, switches and cables),
//! check it (connectivity with `petgraph::algo::connected_components`, unique names, valid cables),
//! then convert it into a `Platform` in node- and edge-index order.
//!
//! **Architecture invariant:** builders are pure functions: no file I/O (data is compiled in with
//! `include_str!`), no `HashMap` iteration, and no randomness except draws from an explicit seed through
//! `sim_core::rng::stream` (only [`PermutationSource::Random`]). The same spec always gives the same
//! `Platform`, so node and link indices are stable and can be named in scenarios and golden files. Hosts come
//! first (host `i` is `NodeId(i)`), then switches; each builder documents its node and link order.
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

pub mod catalogue;
mod circuit_switched;
pub mod cloud_regions;
pub mod co_design;
mod dgx;
mod direct;
mod error;
mod fat_tree;
pub mod graph;
mod kary_fat_tree;
mod multi_dc;
mod star;
pub mod topology_zoo;
mod util;

/// Most nodes (hosts and switches) a builder makes: far beyond any cluster simulated here (a k = 128
/// fat-tree has 544 768), and small enough that the platform, its names and routing state fit in
/// memory. Larger specs are [`TopologyError::TooLarge`], not an allocation of their size.
pub const MAX_NODES: u64 = 1 << 20;

/// Most directed links a builder makes (two per full-duplex cable); as [`MAX_NODES`].
pub const MAX_LINKS: u64 = 1 << 22;

pub use circuit_switched::{circuit_switched_fabric, CircuitSwitchedFabric, CircuitSwitchedSpec};
pub use cloud_regions::WanPath;
pub use co_design::{co_design, CircuitDesign, Demand};
pub use dgx::{
    dgx_cluster, dgx_node, DgxClusterSpec, DgxFabric, DEFAULT_CABLE_LATENCY, DEFAULT_NIC_LATENCY,
    DEFAULT_NVSWITCH_LATENCY,
};
pub use direct::{
    coprime_shifts, direct_fabric, fabric_edges, DirectFabricSpec, FabricShape, Forwarding, PermutationSource,
    DEFAULT_FORWARDING_LATENCY, RANDOM_FABRIC_REPAIRS_PER_GPU, RANDOM_STREAM_BASE,
};
pub use error::TopologyError;
pub use fat_tree::{fat_tree, FatTreeSpec};
pub use graph::PlatformGraph;
pub use kary_fat_tree::{k_ary_fat_tree, KaryFatTreeSpec};
pub use multi_dc::{multi_datacenter, MultiDcSpec, WanOverride};
pub use star::star;
pub use topology_zoo::{zoo_wan, ZooWanSpec};

#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests;
