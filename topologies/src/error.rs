//! The one error type of this crate.

use crate::catalogue::PresetKind;

/// Why a platform could not be built from a spec.
///
/// Every variant names the offending field (as written in the spec struct) or region, and the value
/// that was rejected, so that the scenario loader can point at the line of the scenario file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// A count that must be at least 1 was 0.
    #[error("`{field}` must be at least 1, got {value}")]
    ZeroCount {
        /// Spec field, e.g. `"spines"`.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// A ratio that must be finite and positive was not.
    #[error("`{field}` must be finite and greater than 0, got {value}")]
    InvalidRatio {
        /// Spec field, e.g. `"oversubscription"`.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A bandwidth was zero, rounded to zero, or does not fit in `u64` bytes/s.
    #[error("`{field}` must be a bandwidth of at least 1 byte/s that fits in u64, got {value} bytes/s")]
    InvalidBandwidth {
        /// Spec field or derived quantity, e.g. `"host_link.bandwidth"`, `"leaf_spine_bandwidth"`.
        field: &'static str,
        /// The rejected value [bytes/s], before rounding to whole bytes/s.
        value: f64,
    },
    /// The platform would have more nodes than [`crate::MAX_NODES`] or links than [`crate::MAX_LINKS`].
    #[error("`{field}` = {value} makes the platform too large (more than 2^20 nodes or 2^22 links)")]
    TooLarge {
        /// Spec field that drives the size.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// A region that is neither in the embedded measurements nor named by a WAN override.
    #[error("unknown region `{region}`: not in the embedded Skyplane AWS measurements (`cloud_regions::regions()`)")]
    UnknownRegion {
        /// The region id as given, e.g. `"aws:mars-1"`.
        region: String,
    },
    /// A region listed twice.
    #[error("region `{region}` is listed more than once")]
    DuplicateRegion {
        /// The repeated region id.
        region: String,
    },
    /// Two known regions with no measured path (and no override) in direction `src → dst`.
    #[error("no measured WAN path from `{src}` to `{dst}` and no override for it")]
    MissingWanPath {
        /// Sending region.
        src: String,
        /// Receiving region.
        dst: String,
    },
    /// A WAN override that cannot be applied.
    #[error("WAN override `{src}` → `{dst}`: {reason}")]
    InvalidWanOverride {
        /// Sending region of the override.
        src: String,
        /// Receiving region of the override.
        dst: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A cable of a hand-assembled [`crate::PlatformGraph`] that `sim_core::Platform` would reject.
    #[error("cable {edge}: {reason}")]
    InvalidCable {
        /// Edge index in the graph (= insertion order).
        edge: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two nodes with one name.
    #[error("node name `{name}` is used twice")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// The graph is not connected, so some hosts could never exchange data.
    #[error("the platform graph has {components} connected components; it must have 1")]
    Disconnected {
        /// Number of connected components found.
        components: usize,
    },
    /// A name that is not in the catalogue (or not an embedded Topology Zoo graph).
    #[error("unknown {kind} `{name}`; valid names: {}", .valid.join(", "))]
    UnknownPreset {
        /// Which catalogue section was searched.
        kind: PresetKind,
        /// The name as given.
        name: String,
        /// Every valid name of that section, in catalogue order.
        valid: Vec<&'static str>,
    },
    /// A structural parameter out of its range (a torus side below 3, an odd degree, …).
    #[error("`{field}` = {value}: {reason}")]
    InvalidValue {
        /// Spec field, e.g. `"shape.x"`.
        field: &'static str,
        /// The rejected value.
        value: u64,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A direct-connect fabric needs more optical ports on some GPU than its chiplets provide.
    #[error(
        "GPU {gpu} needs {needed} optical ports ({degree} neighbours × {ports_per_neighbor} ports each) but its \
         chiplets have {available}"
    )]
    NotEnoughPorts {
        /// The first GPU (fabric index) over budget.
        gpu: u32,
        /// Its number of neighbours.
        degree: u64,
        /// Ports bundled per neighbour.
        ports_per_neighbor: u32,
        /// `degree · ports_per_neighbor`.
        needed: u64,
        /// `chiplets_per_gpu · chiplet.ports`.
        available: u64,
    },
    /// A circuit of a hand-given direct-connect fabric that cannot be built.
    #[error("circuit {index} ({a} ↔ {b}): {reason}")]
    InvalidCircuit {
        /// Position in the circuit list.
        index: usize,
        /// First GPU.
        a: u32,
        /// Second GPU.
        b: u32,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The seeded random permutation fabric could not make a cycle that avoids the earlier cycles' cables.
    #[error(
        "no degree-{degree} fabric without repeated cables on {gpus} GPUs from seed {seed}: permutation {cycle} \
         still repeated a cable after {repairs} repair steps (lower the degree or use shifts)"
    )]
    NoSimpleFabric {
        /// GPUs in the fabric.
        gpus: u32,
        /// Requested degree.
        degree: u32,
        /// The seed given.
        seed: u64,
        /// Index of the permutation (Hamiltonian cycle) that could not be placed.
        cycle: u32,
        /// Repair steps tried for it.
        repairs: u64,
    },
    /// One configuration of an optical circuit-switched fabric ([`crate::circuit_switched_fabric`]) cannot
    /// be built as a direct fabric on its own.
    #[error("configuration {configuration}: {source}")]
    InConfiguration {
        /// Index of the configuration, from 0.
        configuration: usize,
        /// What is wrong with it.
        source: Box<TopologyError>,
    },
    /// A communication demand given to [`crate::co_design()`] that names no valid GPU pair.
    #[error("demand {index}: `{field}` = {value}: {reason}")]
    InvalidDemand {
        /// Position of the demand in the list, from 0.
        index: usize,
        /// Field of the demand, e.g. `"members"`, `"a"`, `"b"`.
        field: &'static str,
        /// The rejected GPU index.
        value: u32,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// [`crate::co_design()`] cannot join every GPU into one connected fabric with this many optical ports per GPU.
    #[error(
        "no connected circuit design of {gpus} GPUs with {ports} optical port(s) each: joining more than 2 GPUs \
         needs at least 2 ports per GPU"
    )]
    NoConnectedDesign {
        /// GPUs to join.
        gpus: u32,
        /// Optical ports per GPU.
        ports: u32,
    },
    /// A PoP name that the chosen Topology Zoo graph does not have.
    #[error("Topology Zoo graph `{graph}` has no PoP `{pop}`; its PoPs: {}", .valid.join(", "))]
    UnknownPop {
        /// Graph name, e.g. `"Abilene"`.
        graph: String,
        /// The PoP name as given.
        pop: String,
        /// The graph's PoP names, in file order.
        valid: Vec<String>,
    },
}
