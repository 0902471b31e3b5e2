//! Scenario files: the RON schema as written by users ([`ScenarioFile`]), its parsing ([`parse`]),
//! with errors that name the file, line, column and field path, and its writing ([`to_ron`]).
//!
//! A scenario is a **platform** (hosts and topology), a **workload** (an ML program on a data
//! set, a collective benchmark, or a DNN), a **runtime** (a parameter server and its consistency
//! model, STRADS, or DNN training's split, schedule and GPUs), a **deployment** (where workers and
//! server shards run; not for collectives or DNN training), optional **stragglers**, optional
//! **variants** that override fields and run side by side on the same platform, a `seed`, and for
//! DNN training optional **placement** search settings. Every physical quantity carries its unit
//! (see [`crate::units`]). Unknown fields are errors.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};

use crate::units::{Bandwidth, Duration, FlopRate, Size};

/// The file as written.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name of the scenario; outputs go to `out/<name>/`.
    pub name: String,
    /// Root seed of every random stream in the run.
    pub seed: u64,
    /// Hardware and topology.
    pub platform: PlatformSpec,
    /// The ML program and its data.
    pub workload: WorkloadSpec,
    /// The distributed runtime (required by the parameter-server, STRADS and DNN workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub runtime: Option<RuntimeSpec>,
    /// Placement of workers and server shards (required by the parameter-server workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub deployment: Option<DeploymentSpec>,
    /// Straggler model (default: none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub stragglers: StragglerSpec,
    /// Objective value whose first crossing is reported as time-to-target (lower is better).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub target_objective: Option<f64>,
    /// Variants run on the same platform; empty means one run of the base scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantSpec>,
    /// How `clustersim place` and `clustersim regress` search for plans (`Dnn` workloads only).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub placement: Option<PlacementSearchSpec>,
    /// Failures and recovery from checkpoints over a whole training job (`Dnn` workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub faults: Option<FaultSpec>,
}

/// Faults over a training job: devices failing, with recovery from checkpoints (`sim_core::faults`), and
/// links failing, degrading or coming back.
///
/// For `Dnn` workloads the job runs `iterations` of the simulated iteration, checkpoints every
/// `checkpoint.every` of them and, when a GPU fails, loses the work since its last checkpoint and
/// restarts; each variant is followed on its own. For parameter-server workloads a failure loses a
/// worker: the run rolls back to the servers' last checkpoint, taken every `checkpoint.every` clocks.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Iterations of the whole job (≥ 1; `Dnn` workloads only, where it is required: a parameter-server
    /// run's length is `runtime.clocks`).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub iterations: Option<u64>,
    /// When and at what cost the job checkpoints (default: never; a failure restarts from the start).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub checkpoint: Option<CheckpointSpec>,
    /// From a failure until training runs again, loading the checkpoint excluded: detecting the failure,
    /// replacing the device, restarting the job. Required with `failures` or `mtbf_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub restart: Option<Duration>,
    /// Failures at given times of the job's wall clock.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailureSpec>,
    /// Mean time between failures of one device (a GPU; a worker's host) [hours]: failures then also come
    /// as a Poisson process of rate devices / MTBF, drawn from the scenario's seed. (Llama 3 405B's
    /// pre-training saw 419 unexpected interruptions in 54 days on 16 384 H100s: about 50 700 GPU-hours
    /// each; Dubey et al. 2024, §3.3.4.)
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub mtbf_hours: Option<f64>,
    /// Cables failing, degrading or coming back, in any order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkFaultSpec>,
}

/// A cable failing, degrading or coming back. Flows crossing a failed cable are rerouted over the
/// remaining shortest paths; a flow left without a path fails the run with an error naming it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinkFaultSpec {
    /// When: on a `Dnn` job's wall clock (iterations that start from then on run on the changed
    /// platform, re-simulated), or on a parameter-server or STRADS run's simulated clock.
    pub at: Duration,
    /// The two nodes the cable joins, e.g. `("leaf0", "spine1")`: every link between them, both
    /// directions, changes.
    pub between: (String, String),
    /// What happens to it.
    pub event: LinkEventSpec,
}

/// What happens to a cable.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
pub enum LinkEventSpec {
    /// It carries nothing until restored.
    Fail,
    /// It runs at this fraction of its bandwidth, in (0, 1] (e.g. a 400G port trained down to 100G: 0.25).
    Degrade(f64),
    /// Back to its full bandwidth.
    Restore,
}

/// How often a job checkpoints and what a checkpoint costs: `cost` given, or each GPU's weights and
/// optimizer state written (and, on a restart, read back) at `bandwidth`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckpointSpec {
    /// Iterations between checkpoints (0: never; a failure restarts the job from its start).
    pub every: u64,
    /// Time to write one checkpoint, and to load it on a restart.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub cost: Option<Duration>,
    /// Storage bandwidth of one GPU, writing and reading its weights and optimizer state.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub bandwidth: Option<Bandwidth>,
}

/// A GPU failing at a given time.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// When, on the job's wall clock (from its start).
    pub at: Duration,
    /// The GPU (a host of the variant's platform that the job uses), e.g. `"node3/gpu5"`.
    pub device: String,
}

/// How `clustersim place` and `clustersim regress` search for a plan of a `Dnn` workload (ignored by
/// `clustersim run`). Every variant is placed on its own.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlacementSearchSpec {
    /// Simulator evaluations the search may spend per variant (default 64, ≥ 1); the budget, never wall
    /// time, bounds the search, so its result is reproducible.
    #[serde(default = "default_placement_budget")]
    pub budget: u32,
    /// Whether the search may change the data, tensor and pipeline degrees (default true); `false` keeps
    /// the runtime's split and searches the mapping only.
    #[serde(default = "yes")]
    pub splits: bool,
    /// Micro-batch sizes the search may choose, each ≥ 1 (default: only the runtime's `micro_batch`).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub micro_batches: Option<Vec<u64>>,
    /// Random mappings the random baseline draws; it reports the best (default 1, ≥ 1).
    #[serde(default = "one_u32")]
    pub random_samples: u32,
    /// On an `OpticalFabric` platform, choose the circuits for the plan's traffic (TopoOpt-style
    /// co-design) instead of keeping the given shape (default false).
    #[serde(default)]
    pub co_design: bool,
}

fn default_placement_budget() -> u32 {
    64
}

/// Hardware: one kind of host, and the topology joining the hosts.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    /// Every host's compute device: a catalogue GPU and/or explicit figures (default: the node
    /// preset's GPU on DGX topologies).
    #[serde(default, skip_serializing_if = "is_default")]
    pub host: HostSpec,
    /// How hosts are connected.
    pub topology: TopologySpec,
    /// How flows share links: `MaxMin` (default), or SimGrid's `Cm02` or `Lv08`.
    #[serde(default)]
    pub network_model: NetworkModelSpec,
    /// How routes pick among equal-cost paths: `EcmpHash` (default; Ethernet-style per-connection
    /// hashing) or `DModK` (destination-mod-k, the static routing of InfiniBand fat-trees).
    #[serde(default)]
    pub routing: RoutingSpec,
}

/// Path selection among equal-cost routes (see `sim_core::PathSelection`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum RoutingSpec {
    /// Hash-based ECMP: each connection hashes to one of the equal-cost paths.
    #[default]
    EcmpHash,
    /// Destination-mod-k (Zahavi 2010; OpenSM `ftree`): a hop with `c` up-links takes
    /// up-link `d mod c` for destination host `d`, spreading destinations evenly.
    DModK,
}

/// A compute device (roofline model: see `sim_core::ComputeDevice`): a catalogue GPU by name,
/// any of whose figures can be overridden, or every figure given explicitly.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// A GPU of the hardware catalogue: `"a100-sxm4-80gb"`, `"h100-sxm5"`, `"h200-sxm"`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub gpu: Option<String>,
    /// Peak arithmetic rate, e.g. `"100 GFLOP/s"`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub peak: Option<FlopRate>,
    /// Achieved share of peak, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub efficiency: Option<f64>,
    /// Memory capacity, e.g. `"64 GiB"`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub memory: Option<Size>,
    /// Memory bandwidth, e.g. `"20 GB/s"`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub memory_bandwidth: Option<Bandwidth>,
    /// Fixed cost of one kernel launch, e.g. `"5 us"` (default 0 without a catalogue GPU).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub launch_overhead: Option<Duration>,
    /// Power drawn while computing [W], for DNN training energy (default: the catalogue GPU's TDP).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub power_watts: Option<f64>,
}

/// Network sharing models (see `sim_core::flow::NetworkModel`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum NetworkModelSpec {
    /// Equal-weight max-min fairness.
    #[default]
    MaxMin,
    /// SimGrid's CM02: latency-weighted, TCP window bound, ACK cross-traffic.
    Cm02,
    /// SimGrid's default LV08: CM02 with latency × 13.01, bandwidth × 0.97, weight-S 20537.
    Lv08,
}

/// A cable: bandwidth of each direction and propagation latency, given explicitly
/// (`(bandwidth: "10 Gbps", latency: "2 us")`) or taken from a network preset of the hardware
/// catalogue (`topologies::catalogue::network`), any of whose figures can be overridden
/// (`(preset: "ib-ndr", latency: "2 us")`).
///
/// A preset sets exactly two figures:
/// - `bandwidth` = the preset's `port_rate`, the line rate of one port each way: `"ib-hdr"` 200 Gb/s,
///   `"ib-ndr"` 400 Gb/s, `"eth-100g"` 100 Gb/s, `"eth-400g"` 400 Gb/s (NVIDIA and IEEE port rates,
///   **[V-doc]** in the catalogue, after REFERENCE.md §8);
/// - `latency` = `topologies::DEFAULT_CABLE_LATENCY`, 10 ns (about 2 m of fibre at 5 ns/m,
///   **[assumption]**, the NIC cable of the DGX builders): the catalogue gives no cable propagation
///   latency.
///
/// The preset's switch hop latency and switch radix are **not** applied: they describe switches, not
/// cables; set the topology's `switch_latency` (e.g. 300 ns for `"ib-ndr"`, see the catalogue).
/// `half_duplex` is never set by a preset (the catalogued ports are full duplex).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinkSpecFile {
    /// A network preset of the catalogue: `"ib-hdr"`, `"ib-ndr"`, `"eth-100g"`, `"eth-400g"`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub preset: Option<String>,
    /// Bandwidth per direction, e.g. `"10 Gbps"` (required without a preset).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub bandwidth: Option<Bandwidth>,
    /// Propagation latency, e.g. `"2 us"` (required without a preset).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub latency: Option<Duration>,
    /// Whether both directions share one capacity (default: full duplex).
    #[serde(default)]
    pub half_duplex: bool,
}

/// An optical circuit switch: a catalogue preset (`topologies::catalogue::ocs`) whose
/// reconfiguration delay can be overridden, or an explicit delay (`(reconfiguration: "5 ms")`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OcsSpecFile {
    /// A circuit switch of the catalogue: `"mems"` (MEMS mirrors, 10 ms), `"us-ocs"` (µs-class
    /// research OCS, 20 µs), `"sip-microring"` (SiP-ML's micro-ring wavelength selection, 25 µs).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub preset: Option<String>,
    /// Time to set up new circuits, during which they carry nothing, e.g. `"1 ms"` (required
    /// without a preset).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub reconfiguration: Option<Duration>,
}

/// Topologies (built by the `topologies` crate).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum TopologySpec {
    /// Every host on one switch.
    Star {
        /// Number of hosts.
        hosts: u32,
        /// Host–switch cable.
        link: LinkSpecFile,
        /// Switch forwarding latency.
        switch_latency: Duration,
    },
    /// Two-level leaf/spine fat-tree.
    FatTree {
        /// Leaf (top-of-rack) switches.
        leaves: u32,
        /// Hosts under each leaf.
        hosts_per_leaf: u32,
        /// Spine switches; every leaf connects to every spine.
        spines: u32,
        /// Host–leaf cable.
        host_link: LinkSpecFile,
        /// Host bandwidth under a leaf divided by its uplink bandwidth (1 = non-blocking).
        oversubscription: f64,
        /// Leaf–spine propagation latency.
        spine_link_latency: Duration,
        /// Per-switch forwarding latency.
        switch_latency: Duration,
    },
    /// One DGX-class node: 8 GPUs on an NVSwitch (catalogue node, e.g. `"dgx-h100"`).
    DgxNode {
        /// Catalogue node: `"dgx-a100"` or `"dgx-h100"`.
        node: String,
    },
    /// DGX-class nodes whose NICs plug into a network fabric.
    DgxCluster {
        /// Number of nodes.
        nodes: u32,
        /// Catalogue node: `"dgx-a100"` or `"dgx-h100"`.
        node: String,
        /// The network the NICs plug into.
        fabric: DgxFabricFile,
    },
    /// Three-level k-ary fat-tree (Al-Fares et al., SIGCOMM 2008): k³/4 hosts.
    KaryFatTree {
        /// Switch radix k (even).
        k: u32,
        /// Host–edge cable.
        host_link: LinkSpecFile,
        /// Edge oversubscription (1 = non-blocking).
        oversubscription: f64,
        /// Latency of edge–aggregation and aggregation–core cables.
        fabric_link_latency: Duration,
        /// Per-switch forwarding latency.
        switch_latency: Duration,
    },
    /// GPUs joined directly by optical I/O chiplet ports (no switches); GPUs relay traffic.
    OpticalFabric {
        /// Which GPUs are joined.
        shape: FabricShapeFile,
        /// Catalogue optical chiplet (default `"teraphy"`: 8 ports × 128 Gb/s).
        #[serde(default = "teraphy")]
        chiplet: String,
        /// Chiplets per GPU.
        chiplets_per_gpu: u32,
        /// Ports bundled into each neighbour cable (default 1).
        #[serde(default = "one_u32")]
        ports_per_neighbor: u32,
        /// Fibre latency of each cable, e.g. `"25 ns"` (≈ 5 ns/m).
        link_latency: Duration,
    },
    /// GPUs whose optical I/O chiplet ports are patched by an optical circuit switch; the circuits
    /// are set by the phases of a `CollectivePhases` workload, and the switch reconfigures them
    /// between phases. GPUs relay traffic between GPUs without a direct circuit.
    CircuitSwitched {
        /// Number of GPUs, ≥ 2 (every phase's circuits must join exactly this many).
        gpus: u32,
        /// The optical circuit switch and its reconfiguration delay.
        ocs: OcsSpecFile,
        /// Catalogue optical chiplet (default `"teraphy"`: 8 ports × 128 Gb/s).
        #[serde(default = "teraphy")]
        chiplet: String,
        /// Chiplets per GPU.
        chiplets_per_gpu: u32,
        /// Ports bundled into each circuit (default 1); every phase's circuits must fit each GPU's
        /// ports on their own.
        #[serde(default = "one_u32")]
        ports_per_neighbor: u32,
        /// Fibre latency of each circuit, GPU to GPU through the switch, e.g. `"50 ns"`.
        link_latency: Duration,
    },
    /// A research/ISP backbone from the Topology Zoo (`"Abilene"`, `"Geant2012"`, `"Sprint"`,
    /// `"Nordu2005"`): a data center (star LAN) at each chosen PoP, backbone links with fibre
    /// latency from their length (5 µs/km) and an **assumed** capacity (the Zoo has none).
    TopologyZoo {
        /// Graph name.
        graph: String,
        /// PoPs that host a data center, by name (default: every PoP, in file order).
        #[serde(default)]
        data_centers: Vec<String>,
        /// Hosts in each data center.
        hosts_per_dc: u32,
        /// Host–PoP cable.
        lan_link: LinkSpecFile,
        /// Assumed capacity of every backbone link, each way, e.g. `"100 Gbps"`.
        wan_bandwidth: Bandwidth,
        /// PoP switch forwarding latency (default 0.5 µs).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        switch_latency: Option<Duration>,
        /// Price of backbone traffic [USD per 10⁹ bytes] (default 0).
        #[serde(default)]
        wan_price_per_gb: f64,
    },
    /// Data centers in cloud regions, each a star LAN, joined by measured WAN paths.
    MultiDatacenter {
        /// Region ids as in the measured data, e.g. `"aws:us-east-1"`.
        regions: Vec<String>,
        /// Hosts in each data center.
        hosts_per_dc: u32,
        /// LAN cable inside a data center.
        lan_link: LinkSpecFile,
        /// Switch forwarding latency.
        switch_latency: Duration,
    },
}

/// The network a DGX cluster's NICs plug into (see `topologies::DgxFabric`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum DgxFabricFile {
    /// One ideal non-blocking switch.
    SingleSwitch,
    /// Leaf/spine.
    LeafSpine {
        /// NICs per leaf.
        nics_per_leaf: u32,
        /// Spine switches.
        spines: u32,
        /// Leaf oversubscription (1 = non-blocking).
        oversubscription: f64,
    },
    /// Rail-optimized: NIC g of every node on rail switch g; rails joined by spines (0 = rail-only).
    Rails {
        /// Spine switches joining the rails (0 = rail-only).
        spines: u32,
        /// Rail-to-spine oversubscription.
        oversubscription: f64,
        /// NCCL's PXN cables from each NVSwitch to its node's NICs.
        #[serde(default)]
        pxn: bool,
    },
}

/// Shapes of optical direct-connect fabrics (see `topologies::FabricShape`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum FabricShapeFile {
    /// A ring of `gpus`.
    Ring {
        /// GPUs, ≥ 3.
        gpus: u32,
    },
    /// A 2D torus of x · y GPUs.
    Torus2d {
        /// First side, ≥ 3.
        x: u32,
        /// Second side, ≥ 3.
        y: u32,
    },
    /// A 3D torus of x · y · z GPUs.
    Torus3d {
        /// First side, ≥ 3.
        x: u32,
        /// Second side, ≥ 3.
        y: u32,
        /// Third side, ≥ 3.
        z: u32,
    },
    /// A degree-d fabric from d/2 permutations: seeded random rings, or fixed shifts.
    Permutations {
        /// GPUs.
        gpus: u32,
        /// Degree d (even).
        degree: u32,
        /// Fixed shifts (TopoOpt-style rings); random rings from the scenario seed when absent.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        shifts: Option<Vec<u32>>,
    },
    /// Explicit circuits (GPU pairs), as an optical circuit switch holds them.
    Circuits {
        /// GPUs.
        gpus: u32,
        /// GPU pairs.
        circuits: Vec<(u32, u32)>,
    },
}

/// The ML program.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum WorkloadSpec {
    /// Binary logistic regression by mini-batch SGD.
    LogisticRegression {
        /// `"adult"` or `"a9a"` (built in), or a path to a LIBSVM file (relative to the data directory).
        dataset: String,
        /// Examples per mini-batch.
        batch_size: u32,
        /// Initial learning rate η₀.
        learning_rate: f64,
        /// Learning-rate decay: η_c = η₀ / √(1 + decay · c) (default 0).
        #[serde(default)]
        lr_decay: f64,
        /// L2 regularisation strength λ (default 0).
        #[serde(default)]
        l2: f64,
        /// Label skew of the data across data centers, in [0, 1] (default 0, IID): this share of the
        /// examples is split over the data centers (the sites of the worker hosts) sorted by label,
        /// the rest at random (see `workloads::Partition::LabelSkew`; SkewScout, Hsieh et al. ICML
        /// 2020). With one data center it changes nothing.
        #[serde(default)]
        label_skew: f64,
    },
    /// Lasso `min_β ½(‖y − Xβ‖² + λ‖β‖₁)` on standardised data: by parallel (Shotgun-style) coordinate
    /// descent under a `ParameterServer` runtime, or by scheduled coordinate descent under `Strads`.
    Lasso {
        /// `"diabetes"` (built in, 442 × 10), `"riboflavin"` (71 × 4088, read from
        /// `<data dir>/lasso_riboflavin/riboflavin.csv`; research use only, not shipped) or
        /// `"synthetic"` (a seeded sparse design with correlated feature blocks, see `synthetic`).
        dataset: String,
        /// Regularisation λ (absolute); give exactly one of `lambda` and `lambda_ratio`.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        lambda: Option<f64>,
        /// Regularisation as a fraction of λ_max = 2·max_j |x_jᵀy| (the smallest λ with β = 0), in (0, 1].
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        lambda_ratio: Option<f64>,
        /// Coordinates each worker updates per clock (`ParameterServer` runtime only, required there).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        coords_per_clock: Option<u32>,
        /// Shape of the `"synthetic"` design (default: 100 000 features; see
        /// `workloads::data::design::SyntheticDesignConfig`).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        synthetic: Option<SyntheticDesignSpec>,
    },
    /// Latent Dirichlet allocation by collapsed Gibbs sampling: documents over workers and word–topic
    /// counts on the server (`ParameterServer`), or word blocks rotating over workers (`Strads`).
    Lda {
        /// `"reuters"` (395 articles, 4258 words, read from `<data dir>/lda_reuters/`; research use
        /// only, not shipped).
        dataset: String,
        /// Topics K.
        topics: u32,
        /// Document-topic Dirichlet prior α (default 0.1).
        #[serde(default = "default_dirichlet")]
        alpha: f64,
        /// Topic-word Dirichlet prior β (default 0.1).
        #[serde(default = "default_dirichlet")]
        beta: f64,
        /// Documents each worker sweeps per clock (`ParameterServer` runtime only, required there).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        docs_per_clock: Option<u32>,
    },
    /// Matrix factorisation by model-parallel coordinate descent (CCD++, Yu et al., ICDM 2012), as
    /// STRADS runs it (`Strads` runtime only).
    MatrixFactorizationCd {
        /// Ratings source.
        dataset: RatingsSpec,
        /// Factor rank.
        rank: u32,
        /// L2 regularisation strength λ.
        l2: f64,
        /// Item factors updated per round (default 256).
        #[serde(default = "default_items_per_round")]
        items_per_round: u32,
    },
    /// One collective over a sweep of message sizes, reporting time and bus bandwidth (as
    /// nccl-tests defines it); every variant runs every size on an otherwise idle network.
    Collective {
        /// The collective and its algorithm.
        collective: CollectiveFile,
        /// Message sizes `S` (nccl-tests' size: each rank's buffer for all-reduce), e.g. `"64 MiB"`.
        sizes: Vec<Size>,
        /// Pipelined chunks per collective (default 1).
        #[serde(default = "one_u32")]
        chunks: u32,
        /// Participating hosts: the first `ranks` hosts of the platform (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        ranks: Option<u32>,
    },
    /// A sequence of collectives on a `CircuitSwitched` platform, each on its own circuit
    /// configuration, over a sweep of message sizes. For each size, phase 1 runs on its circuits
    /// (up from the start); when a phase's collective ends, the switch tears down the circuits the
    /// next phase does not use, keeps those it does, and sets up the new ones; the next collective
    /// starts once they are up (after the reconfiguration delay; at once if no circuit is set up).
    /// Every phase uses every GPU, rank `i` on GPU `i`.
    CollectivePhases {
        /// The phases, in order (at least one).
        phases: Vec<PhaseFile>,
        /// Message sizes `S`, as for `Collective`; every phase's collective has size `S`.
        sizes: Vec<Size>,
        /// Pipelined chunks per collective (default 1).
        #[serde(default = "one_u32")]
        chunks: u32,
    },
    /// A DNN trained with data, tensor and pipeline parallelism (`Training` runtime only): one
    /// iteration (forward, backward, optimizer step over one global batch) is simulated per variant.
    /// Give exactly one of `model`, `hf_config` and `astra`.
    Dnn {
        /// A model of the built-in zoo (`workloads::dnn::ZOO`), e.g. `"gpt3-175b"`, `"llama-2-7b"`,
        /// `"resnet50"`, `"dlrm"`.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        model: Option<String>,
        /// A Hugging Face `config.json` of a GPT-2, BERT, Llama or Qwen2 model, relative to the
        /// scenario file's directory.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        hf_config: Option<String>,
        /// An ASTRA-sim 1.0 text workload: a file shipped with ASTRA-sim by name (e.g.
        /// `"microAllReduce.txt"`, see `workloads::dnn::astra::builtin_workloads`), or a path relative
        /// to the scenario file's directory (which comes first when a file of that name exists
        /// there). Its times and sizes are one NPU's; run it with
        /// `pipeline: 1` and `micro_batch: 1`.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        astra: Option<String>,
        /// Samples per iteration (required for `model` and `hf_config`; an ASTRA-sim workload's
        /// batch is one sample per data-parallel replica).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        global_batch: Option<u64>,
        /// Training sequence length [tokens] of a transformer (default: the config's context length).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        sequence: Option<u64>,
    },
    /// Matrix factorisation by SGD.
    MatrixFactorization {
        /// Ratings source.
        dataset: RatingsSpec,
        /// Factor rank.
        rank: u32,
        /// Ratings per mini-batch.
        batch_size: u32,
        /// Initial learning rate η₀.
        learning_rate: f64,
        /// Learning-rate decay (as for logistic regression).
        #[serde(default)]
        lr_decay: f64,
        /// L2 regularisation strength λ.
        #[serde(default)]
        l2: f64,
    },
}

/// One phase of a `CollectivePhases` workload: a circuit configuration and the collective run on it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PhaseFile {
    /// Label in reports (default: `"phase k"`, from 1).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub name: Option<String>,
    /// The circuits the switch holds during the phase, as an optical fabric's shape (random
    /// `Permutations` of phase `k`, from 0, draw from seed `seed + k`).
    pub circuits: FabricShapeFile,
    /// The collective and its algorithm.
    pub collective: CollectiveFile,
}

/// A collective, as `sim_core::collective::Collective` (nccl-tests' operations).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum CollectiveFile {
    /// All-reduce by the given algorithm.
    AllReduce(AllReduceFile),
    /// Ring reduce-scatter.
    ReduceScatter,
    /// Ring all-gather.
    AllGather,
    /// All-to-all.
    AllToAll(AllToAllFile),
    /// Broadcast from rank `root`.
    Broadcast {
        /// The rank holding the data.
        root: u32,
        /// How the data spreads.
        algorithm: BroadcastFile,
    },
}

/// All-reduce algorithms.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum AllReduceFile {
    /// Ring reduce-scatter, then ring all-gather.
    Ring,
    /// NCCL's double binary tree.
    DoubleBinaryTree,
    /// Rabenseifner's recursive halving-doubling.
    HalvingDoubling,
    /// Ring inside groups of `group_size` consecutive ranks, ring across groups.
    Hierarchical {
        /// Ranks per group (GPUs per node).
        group_size: u32,
    },
}

/// All-to-all algorithms.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum AllToAllFile {
    /// Every transfer at once.
    AllAtOnce,
    /// p − 1 pairwise rounds.
    Pairwise,
}

/// Broadcast algorithms.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum BroadcastFile {
    /// A pipelined chain.
    Pipeline,
    /// A binomial tree.
    BinomialTree,
}

/// Where ratings come from.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum RatingsSpec {
    /// MovieLens 100k `u.data`, read from `<data dir>/mf_movielens_100k/u.data` (research use only;
    /// not shipped).
    MovieLens100k,
    /// A seeded synthetic low-rank rating matrix.
    Synthetic {
        /// Users.
        users: u32,
        /// Items.
        items: u32,
        /// True rank.
        rank: u32,
        /// Observed ratings per user.
        ratings_per_user: u32,
        /// Standard deviation of rating noise.
        noise: f64,
    },
}

/// The distributed runtime.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum RuntimeSpec {
    /// Parameter server (see `sim_core::runtime::ps`).
    ParameterServer {
        /// Consistency model.
        consistency: ConsistencySpec,
        /// Clocks each worker runs.
        clocks: u64,
        /// Bytes per value on the wire (default 4, float32).
        #[serde(default = "default_value_bytes")]
        value_bytes: u32,
        /// Bytes per row key on the wire (default 8).
        #[serde(default = "default_key_bytes")]
        key_bytes: u32,
        /// Header bytes per message (default 64).
        #[serde(default = "default_overhead")]
        message_overhead_bytes: u32,
        /// Record the objective every this many clocks (default 1).
        #[serde(default = "one")]
        objective_every: u64,
        /// What SSP shards serve: `Latest` (default; every update delivered so far, as Petuum
        /// Bösen does) or `CompleteClocks` (only clocks every worker has delivered, so SSP(0)
        /// computes exactly what BSP computes).
        #[serde(default)]
        ssp_reads: SspReadsSpec,
    },
    /// STRADS scheduled model parallelism (see `sim_core::runtime::strads`): one scheduler node (the
    /// deployment's single server) and the workers, in rounds of schedule → push → pull → commit.
    Strads {
        /// Rounds to run at most.
        rounds: u64,
        /// Coordinates scheduled per round (Lasso only; default 32, STRADS's `schedule_size`).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        set_size: Option<u32>,
        /// Rounds the scheduler may dispatch ahead of the last commit (default 0).
        #[serde(default)]
        pipeline_depth: u32,
        /// The Lasso scheduler (default `Priority()`); MF and LDA use a static rotation.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        scheduler: Option<SchedulerSpec>,
        /// Record the objective every this many rounds (default 1).
        #[serde(default = "one")]
        objective_every: u64,
        /// Stop once the objective is within this fraction of the optimum computed by a sequential
        /// reference solver (Lasso only; e.g. 0.01), which also becomes the run's target objective.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        stop_within_optimum: Option<f64>,
        /// Bytes per value on the wire (default 4, float32).
        #[serde(default = "default_value_bytes")]
        value_bytes: u32,
        /// Bytes per variable id on the wire (default 4).
        #[serde(default = "default_strads_key_bytes")]
        key_bytes: u32,
        /// Header bytes per message (default 64).
        #[serde(default = "default_overhead")]
        message_overhead_bytes: u32,
    },
    /// DNN training (`Dnn` workload only): how the job is split over the platform's GPUs and
    /// scheduled (`sim_core::training::TrainingConfig`). Ranks follow Megatron-LM's order (tensor
    /// fastest, then data, then pipeline); rank `r` runs on the `r`-th GPU of `devices`, by default
    /// the platform's first `data × tensor × pipeline` hosts in id order, so a tensor-parallel group
    /// of 8 fills one DGX node.
    Training {
        /// Parallel degrees.
        split: SplitSpec,
        /// GPUs in rank order by host name (e.g. a `clustersim place` plan); default: the platform's
        /// first data × tensor × pipeline hosts in id order.
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        devices: Option<Vec<String>>,
        /// Samples per micro-batch (default 1).
        #[serde(default = "one")]
        micro_batch: u64,
        /// Pipeline schedule (default `OneFOneB`).
        #[serde(default)]
        schedule: ScheduleSpec,
        /// Activation recomputation (default `None`).
        #[serde(default, skip_serializing_if = "is_default")]
        recompute: RecomputeSpec,
        /// ZeRO sharding of the data-parallel replicas' model states (default `None`).
        #[serde(default, skip_serializing_if = "is_default")]
        zero: ZeroSpec,
        /// Megatron-LM's sequence parallelism for the replicated activations (default false).
        #[serde(default)]
        sequence_parallel: bool,
        /// Layers of each pipeline stage, in order (default: as even as possible).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        stage_layers: Option<Vec<u32>>,
        /// Gradient bucket size, e.g. `"25 MiB"` (default 25 MiB, as PyTorch DDP; `"0 B"`: one
        /// bucket per layer).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        gradient_bucket: Option<Size>,
        /// Whether gradient collectives overlap the backward pass (default true).
        #[serde(default = "yes")]
        overlap_gradients: bool,
        /// Algorithm of the data-parallel all-reduce (default `Ring`).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        all_reduce: Option<AllReduceFile>,
        /// Megatron-LM's scatter/gather of pipeline sends across the tensor-parallel ranks
        /// (default true).
        #[serde(default = "yes")]
        scatter_gather: bool,
        /// How tensor-parallel collectives (and ZeRO-3 weight gathers) are simulated (default
        /// `Isolated`: each timed once on an otherwise idle network, exact without contention; its
        /// bytes count in `bytes_sent` and link energy as often as it runs, but ZeRO-3 gathers' do
        /// not; `Flows`: as flows on the shared network, slower to simulate).
        #[serde(default)]
        tensor_parallel_comm: TensorParallelCommSpec,
        /// Compute efficiency in (0, 1], replacing the hosts' (default: the hosts').
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        compute_efficiency: Option<f64>,
        /// Energy of one bit crossing one link [pJ/bit] (default: the optical chiplet's mean
        /// transmit + receive energy on `OpticalFabric` platforms, 0 elsewhere:
        /// the catalogue has no per-bit figure for electrical links).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        link_energy_pj_per_bit: Option<f64>,
        /// Whether variants go into `trace.json` (default: those with at most 256 GPUs; `true`:
        /// all; `false`: none, and no file).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        trace: Option<bool>,
    },
}

fn default_strads_key_bytes() -> u32 {
    4
}
fn default_items_per_round() -> u32 {
    256
}

/// Parallel degrees of a `Training` runtime.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SplitSpec {
    /// Data-parallel degree: model replicas (default 1).
    #[serde(default = "one_u32")]
    pub data: u32,
    /// Tensor-parallel degree: GPUs sharing each layer (default 1).
    #[serde(default = "one_u32")]
    pub tensor: u32,
    /// Pipeline-parallel degree: stages (default 1).
    #[serde(default = "one_u32")]
    pub pipeline: u32,
}

/// Pipeline schedules (`sim_core::training::PipelineSchedule`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum ScheduleSpec {
    /// One forward, one backward (PipeDream-Flush; Narayanan et al. SC'21).
    #[default]
    OneFOneB,
    /// All forwards, then all backwards (Huang et al., NeurIPS 2019).
    GPipe,
}

/// How tensor-parallel collectives are simulated (`sim_core::training::TensorParallelComm`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum TensorParallelCommSpec {
    /// Timed once per group and size on an idle network, then reused.
    #[default]
    Isolated,
    /// Run as flows on the shared network, contending with everything else.
    Flows,
}

/// Activation recomputation (`sim_core::training::Recomputation`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum RecomputeSpec {
    /// Keep every activation.
    #[default]
    None,
    /// Recompute attention's score-sized activations (Korthikanti et al. 2022).
    Selective,
    /// Keep each layer's input only and recompute its forward pass.
    Full,
}

/// ZeRO sharding (`sim_core::training::ZeroStage`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum ZeroSpec {
    /// Every replica holds all model states.
    #[default]
    None,
    /// ZeRO-1: optimizer states sharded; gradients reduce-scattered, weights all-gathered.
    Optimizer,
    /// ZeRO-3: weights, gradients and optimizer states sharded; weights gathered per use.
    Full,
}

/// A seeded synthetic sparse design with correlated feature blocks (see
/// `workloads::data::design::SyntheticDesignConfig`); omitted fields take that type's defaults.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SyntheticDesignSpec {
    /// Samples n.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub samples: Option<u32>,
    /// Features p.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub features: Option<u32>,
    /// Features per correlated block (contiguous in index).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub block_size: Option<u32>,
    /// Non-zero rows of each block's columns.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub support: Option<u32>,
    /// Expected correlation of two features of one block, in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub within_block_correlation: Option<f64>,
    /// Non-zero coefficients of the true model.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub true_nonzeros: Option<u32>,
    /// Standard deviation of the noise added to the targets.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub noise_sd: Option<f64>,
}

/// How a STRADS scheduler picks a round's coordinates (Lasso; see `workloads::strads::lasso`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum SchedulerSpec {
    /// Coordinates in index order, `set_size` per round, cyclically.
    RoundRobin,
    /// `set_size` distinct coordinates uniformly at random (Shotgun).
    Random,
    /// A static schedule: coordinates cut into `set_size` contiguous blocks, one from each per round.
    Block,
    /// STRADS dynamic scheduling: priority sampling with p(j) ∝ |Δβ_j| + η (or its square), then a
    /// dependency filter keeping candidates whose correlation with every kept one is below ρ.
    Priority {
        /// Base weight η (default 1e-4, STRADS's `bw`).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        eta: Option<f64>,
        /// Weight by Δβ² instead of |Δβ| (default false).
        #[serde(default)]
        squared: bool,
        /// Candidates L′ sampled per round (default: the program's, a multiple of `set_size`).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        candidates: Option<u32>,
        /// Dependency threshold ρ in (0, 1] (default 0.1).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        dependency_threshold: Option<f64>,
        /// Sample by priority but skip the dependency filter (an ablation; default false).
        #[serde(default)]
        no_dependency_filter: bool,
        /// Re-seed the weights from |β| once, at round 3·⌊p/L⌋, as STRADS's coordinator does (default
        /// true).
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
        restart: Option<bool>,
    },
}

/// What an SSP shard serves (see `sim_core::runtime::ps::SspReads`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum SspReadsSpec {
    /// Every update delivered so far.
    #[default]
    Latest,
    /// Only complete clocks, in canonical order.
    CompleteClocks,
}

fn default_value_bytes() -> u32 {
    4
}
fn default_key_bytes() -> u32 {
    8
}
fn default_overhead() -> u32 {
    64
}
fn one() -> u64 {
    1
}
fn one_u32() -> u32 {
    1
}
fn teraphy() -> String {
    "teraphy".into()
}

/// Consistency models.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum ConsistencySpec {
    /// Bulk synchronous parallel.
    Bsp,
    /// Stale synchronous parallel.
    Ssp {
        /// Staleness bound s [clocks].
        staleness: u32,
    },
    /// Eager SSP (Bösen's `SSPPush`): SSP's bound, and shards push the rows a worker has read to it
    /// on every clock they commit.
    Essp {
        /// Staleness bound s [clocks].
        staleness: u32,
    },
    /// Asynchronous, unbounded staleness.
    Async,
}

/// Where workers and server shards run.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    /// Number of workers (= data partitions).
    pub workers: u32,
    /// Number of parameter-server shards.
    pub servers: u32,
    /// Placement rule (default `Dedicated`).
    #[serde(default)]
    pub placement: PlacementSpec,
}

/// Placement rules. Hosts are taken in platform order (for multi-datacenter platforms, data
/// center by data center).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum PlacementSpec {
    /// Workers on the first hosts, server shards on the hosts after them.
    #[default]
    Dedicated,
    /// Server shard `k` shares host `k` with worker `k`.
    Colocated,
    /// Workers and shards dealt round-robin over sites (data centers), shards after workers.
    SpreadSites,
}

/// Straggler models.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum StragglerSpec {
    /// No stragglers.
    #[default]
    None,
    /// Each clock, a worker is slowed by `slowdown` with probability `prob`.
    Bernoulli {
        /// Probability of a slow clock.
        prob: f64,
        /// Slowdown factor, ≥ 1.
        slowdown: f64,
    },
    /// The listed workers are always slower.
    Persistent {
        /// Slow worker indices.
        workers: Vec<u32>,
        /// Slowdown factor, ≥ 1.
        slowdown: f64,
    },
    /// Per-worker mini-batch time ratios replayed from an Alibaba PAI job (1–4).
    PaiTrace {
        /// Job number, 1 to 4.
        job: u32,
    },
}

/// A variant: a name and the fields it overrides.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Label in reports.
    pub name: String,
    /// Overrides `runtime.consistency`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub consistency: Option<ConsistencySpec>,
    /// Overrides `stragglers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stragglers: Option<StragglerSpec>,
    /// Overrides `runtime.clocks`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub clocks: Option<u64>,
    /// Overrides the workload's `learning_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub learning_rate: Option<f64>,
    /// Overrides the workload's `batch_size`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub batch_size: Option<u32>,
    /// Overrides a `Collective` workload's collective (e.g. another algorithm).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub collective: Option<CollectiveFile>,
    /// Runs this variant on another platform (collective workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub platform: Option<PlatformSpec>,
    /// Overrides the optical circuit switch of a `CircuitSwitched` platform (`CollectivePhases`
    /// workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub ocs: Option<OcsSpecFile>,
    /// Runs this variant geo-distributed under Gaia's Approximate Synchronous Parallel: each data
    /// center (site) with workers gets its own shards and the consistency model rules inside it
    /// (training workloads).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub asp: Option<AspSpec>,
    /// Overrides a `LogisticRegression` workload's `label_skew`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub label_skew: Option<f64>,
    /// Overrides a `Strads` runtime's `scheduler`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub scheduler: Option<SchedulerSpec>,
    /// Overrides a `Strads` runtime's `set_size`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub set_size: Option<u32>,
    /// Overrides a `Strads` runtime's `pipeline_depth`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub pipeline_depth: Option<u32>,
    /// Overrides a `Strads` runtime's `rounds`.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub rounds: Option<u64>,
    /// `Training` runtime: the parallel degrees.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub split: Option<SplitSpec>,
    /// `Training` runtime: samples per micro-batch.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub micro_batch: Option<u64>,
    /// `Training` runtime: the pipeline schedule.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub schedule: Option<ScheduleSpec>,
    /// `Training` runtime: activation recomputation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recompute: Option<RecomputeSpec>,
    /// `Training` runtime: ZeRO sharding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero: Option<ZeroSpec>,
    /// `Training` runtime: sequence parallelism.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub sequence_parallel: Option<bool>,
    /// `Training` runtime: layers of each pipeline stage.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub stage_layers: Option<Vec<u32>>,
    /// `Training` runtime: overrides the device list (GPUs in rank order by host name).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub devices: Option<Vec<String>>,
    /// `Dnn` workload: another model of the zoo.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub model: Option<String>,
    /// `Dnn` workload: samples per iteration.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "implicit_some")]
    pub global_batch: Option<u64>,
}

/// Gaia's Approximate Synchronous Parallel (Hsieh et al., NSDI 2017, §3; see
/// `sim_core::runtime::ps::AspConfig`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AspSpec {
    /// Significance threshold as a fraction of the parameter's value (default 0.01), decaying with
    /// the workload's learning-rate schedule.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Whether a notice of the changed parameters goes ahead of each batch of significant updates
    /// and holds local reads of them until it arrives (default true).
    #[serde(default = "yes")]
    pub selective_barrier: bool,
    /// Clocks a data center may run ahead of what its mirrors have reported (default 0).
    #[serde(default)]
    pub mirror_slack: u64,
}

fn default_threshold() -> f64 {
    0.01
}

fn yes() -> bool {
    true
}

fn default_dirichlet() -> f64 {
    0.1
}

/// Whether `v` is its type's default, for fields left out of serialized scenarios when they hold
/// it (those whose default would be written `r#None`, and an empty `host`).
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Serializes `Some(x)` as `x`, as scenarios write options ([`parse`] reads RON with implicit
/// `Some`). Fields whose `x` may be a variant named `None` (a variant's `recompute`, `zero` and
/// `stragglers`) keep the default, `Some(x)`: `recompute: None` would read back as no override.
fn implicit_some<T: Serialize, S: Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(x) => x.serialize(s),
        None => s.serialize_none(),
    }
}

impl VariantSpec {
    /// The first field this variant sets that only a training workload uses (`consistency`,
    /// `stragglers`, `clocks`, `learning_rate`, `batch_size`, `asp`, `label_skew`), for rejecting
    /// it elsewhere.
    pub fn training_field(&self) -> Option<&'static str> {
        [
            self.consistency.map(|_| "consistency"),
            self.stragglers.as_ref().map(|_| "stragglers"),
            self.clocks.map(|_| "clocks"),
            self.learning_rate.map(|_| "learning_rate"),
            self.batch_size.map(|_| "batch_size"),
            self.asp.as_ref().map(|_| "asp"),
            self.label_skew.map(|_| "label_skew"),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// The first field this variant sets that only a `Strads` runtime uses (`scheduler`, `set_size`,
    /// `pipeline_depth`, `rounds`), for rejecting it elsewhere.
    pub fn strads_field(&self) -> Option<&'static str> {
        [
            self.scheduler.as_ref().map(|_| "scheduler"),
            self.set_size.map(|_| "set_size"),
            self.pipeline_depth.map(|_| "pipeline_depth"),
            self.rounds.map(|_| "rounds"),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// The first field set that only a `Training` runtime or `Dnn` workload takes, if any.
    pub fn dnn_field(&self) -> Option<&'static str> {
        [
            self.split.map(|_| "split"),
            self.micro_batch.map(|_| "micro_batch"),
            self.schedule.map(|_| "schedule"),
            self.recompute.map(|_| "recompute"),
            self.zero.map(|_| "zero"),
            self.sequence_parallel.map(|_| "sequence_parallel"),
            self.stage_layers.as_ref().map(|_| "stage_layers"),
            self.devices.as_ref().map(|_| "devices"),
            self.model.as_ref().map(|_| "model"),
            self.global_batch.map(|_| "global_batch"),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// A variant that overrides nothing.
    pub fn named(name: impl Into<String>) -> Self {
        VariantSpec { name: name.into(), ..Self::default() }
    }
}

/// What is wrong with the name of variant `i` of `variants`, if anything (empty, or used by an
/// earlier variant).
pub fn variant_name_problem(variants: &[VariantSpec], i: usize) -> Option<String> {
    let name = &variants[i].name;
    if name.trim().is_empty() {
        Some("must not be empty".into())
    } else if variants[..i].iter().any(|o| &o.name == name) {
        Some(format!("\"{name}\" is used by an earlier variant"))
    } else {
        None
    }
}

/// A problem with a scenario, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or `<built-in quickstart>`).
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// Dotted field path (`platform.topology.FatTree.host_link.bandwidth`), when known.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// A maker of errors at field paths of `text`, the scenario read from `file`: each names the path
/// and, where [`locate`] finds it, its line and column.
pub fn field_error<'a>(file: &'a str, text: &'a str) -> impl Fn(&str, String) -> ScenarioError + 'a {
    move |path, message| ScenarioError { file: file.into(), position: locate(text, path), path: path.into(), message }
}

/// Parses scenario `text` read from `file` (used in messages only).
///
/// # Errors
/// A [`ScenarioError`] with line, column and field path for malformed RON, unknown or missing
/// fields, and quantities with a wrong or missing unit.
pub fn parse(text: &str, file: &str) -> Result<ScenarioFile, ScenarioError> {
    parse_as(text, file)
}

/// Parses `text` read from `file` as any RON document of this package (a scenario, a sweep), with
/// the `implicit_some` extension on.
///
/// # Errors
/// A [`ScenarioError`] with line, column and field path for malformed RON, unknown or missing
/// fields, and values of the wrong type or unit.
pub fn parse_as<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, ScenarioError> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut de =
        ron::Deserializer::from_str_with_options(text, &options).map_err(|e| syntax_error(file, text, "", e))?;
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match parsed {
        Ok(s) => {
            de.end().map_err(|code| syntax_error(file, text, "", de.span_error(code)))?;
            Ok(s)
        }
        Err(err) => {
            let path = err.path().to_string();
            let spanned = de.span_error(err.into_inner());
            Err(syntax_error(file, text, &path, spanned))
        }
    }
}

/// The error `e` that reading `text` met at field `path` (as `serde_path_to_error` writes it, `?`
/// standing for a field not yet named), said where RON's own words mislead: a missing or repeated
/// field joins the path; a fractional number where an integer goes is named with its field (RON stops at its
/// `.` and expects a comma); text that ends early names the bracket or string left open.
fn syntax_error(file: &str, text: &str, path: &str, e: ron::error::SpannedError) -> ScenarioError {
    let mut position = (e.span.start.line, e.span.start.col);
    let mut path: Vec<&str> = path.split('.').filter(|s| !s.is_empty() && *s != "?").collect();
    let mut message = e.code.to_string();
    match &e.code {
        ron::Error::MissingStructField { field, .. } | ron::Error::DuplicateStructField { field, .. } => {
            path.push(field)
        }
        ron::Error::Eof => {
            if let Some((what, at)) = unclosed(text) {
                let (line, col) = char_line_col(text, at);
                message = format!("{message}: the {what} at {line}:{col} is never closed");
            }
        }
        ron::Error::ExpectedComma | ron::Error::ExpectedStructLikeEnd | ron::Error::ExpectedArrayEnd => {
            if let Some((start, number, field)) = byte_offset(text, position).and_then(|at| fraction_at(text, at)) {
                position = char_line_col(text, start);
                path.extend(field);
                message = format!("`{number}` is not a whole number, and this takes an integer");
            }
        }
        _ => {}
    }
    ScenarioError { file: file.into(), position: Some(position), path: path.join("."), message }
}

/// Byte offset of 1-based (line, column in characters) in `text`, as RON counts them.
fn byte_offset(text: &str, (line, col): (usize, usize)) -> Option<usize> {
    let start = match line {
        0 => return None,
        1 => 0,
        _ => text.match_indices('\n').nth(line - 2)?.0 + 1,
    };
    text[start..].char_indices().map(|(i, _)| start + i).chain([text.len()]).nth(col.checked_sub(1)?)
}

/// 1-based (line, column in characters) of byte `offset` in `text`, as RON counts them.
fn char_line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// If a number with a fraction or exponent has its `.`, `e` or `E` at byte `at` (where RON, reading
/// an integer, stopped): its start, its text and the field it is the value of (if written `field: n`).
fn fraction_at(text: &str, at: usize) -> Option<(usize, &str, Option<&str>)> {
    let b = text.as_bytes();
    let digit_before = at > 0 && b[at - 1].is_ascii_digit();
    if !(digit_before && matches!(b.get(at), Some(b'.' | b'e' | b'E'))) {
        return None;
    }
    let is_number = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'e' | b'E' | b'+' | b'-');
    let mut start = at;
    while start > 0 && (b[start - 1].is_ascii_digit() || matches!(b[start - 1], b'_' | b'+' | b'-')) {
        start -= 1;
    }
    let end = at + b[at..].iter().take_while(|&&c| is_number(c)).count();
    let before = text[..start].trim_end();
    let field = before.strip_suffix(':').map(|f| {
        let f = f.trim_end();
        &f[f.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len()..]
    });
    Some((start, &text[start..end], field.filter(|f| !f.is_empty())))
}

/// The innermost bracket (`(`, `[`, `{`), string or block comment that `text` leaves open, as (what,
/// byte offset), skipping strings and comments.
fn unclosed(text: &str) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return Some(("string".into(), start));
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (start, mut depth) = (i, 0usize);
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 1;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
                if depth > 0 {
                    return Some(("comment".into(), start));
                }
            }
            b'(' | b'[' | b'{' => open.push(i),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.last().map(|&o| (format!("`{}`", b[o] as char), o))
}

/// Writes `file` as RON that [`parse`] reads back to a value equal to `file`, as a scenario is
/// written by hand: pretty-printed with four-space indents; options left out when `None` and
/// written without `Some(..)` (under a leading `#![enable(implicit_some)]`, which [`parse`] assumes
/// anyway, so that any RON reader agrees), except where the value may be a variant named `None`
/// (a variant's `recompute: Some(r#None)`); fields whose default is a variant named `None`, an
/// empty `host` and empty `variants` left out; quantities as exact strings with their unit (see
/// [`crate::units`]). Comments of the original text are not kept.
pub fn to_ron(file: &ScenarioFile) -> String {
    let config = ron::ser::PrettyConfig::new().indentor("    ").new_line("\n").separate_tuple_members(false);
    // Every field serializes to a RON value (identifiers are Rust's, no maps, no unsupported
    // types), and writing to a String cannot fail.
    let body = ron::ser::to_string_pretty(file, config).expect("a scenario serializes to RON");
    format!("#![enable(implicit_some)]\n{body}\n")
}

/// Finds where field `path` (dotted, struct fields and enum variants) is written in `text`, as a
/// 1-based (line, column): the first segment among the fields of the outermost value, then the
/// first `segment:` of each further field segment nested inside the previous one (so `placement`
/// is the top-level field, not `deployment.placement`). Enum variant names in the path are skipped.
/// Used to locate errors found after parsing.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    locate_offset(text, path).map(|p| line_col(text, p))
}

/// As [`locate`], returning the byte offset.
pub fn locate_offset(text: &str, path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty() && !s.starts_with(char::is_uppercase)).collect();
    let bytes = text.as_bytes();
    let (mut i, mut depth, mut min_depth, mut found_at) = (0usize, 0i32, 0i32, None);
    let mut seg = 0;
    while i < bytes.len() && seg < segments.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth < min_depth {
                    return found_at;
                }
            }
            c if (c.is_ascii_alphabetic() || c == b'_')
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')) =>
            {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let rest = text[i..].trim_start();
                // The first segment is a field of the outermost value; later ones may be nested deeper
                // (inside enum variants, options, lists).
                let deep_enough = if seg == 0 { depth == 1 } else { depth > min_depth };
                if deep_enough && word == segments[seg] && rest.starts_with(':') {
                    found_at = Some(start);
                    seg += 1;
                    min_depth = depth;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found_at
}

/// Finds where field `field` (dotted, as for [`locate`]) of the `i`-th element (from 0) of the
/// list at `list` is written in `text`, as a 1-based (line, column); the element's opening
/// parenthesis if the field is not written there; `None` if the list or element is not found.
pub fn locate_in_list(text: &str, list: &str, i: usize, field: &str) -> Option<(usize, usize)> {
    locate_in_list_offset(text, list, i, field).map(|p| line_col(text, p))
}

/// As [`locate_in_list`], returning the byte offset.
pub fn locate_in_list_offset(text: &str, list: &str, i: usize, field: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut k = locate_offset(text, list)?;
    let (mut depth, mut seen) = (0i32, 0usize);
    while k < bytes.len() {
        match bytes[k] {
            b'"' => {
                k += 1;
                while k < bytes.len() && bytes[k] != b'"' {
                    k += if bytes[k] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(k + 1) == Some(&b'/') => {
                while k < bytes.len() && bytes[k] != b'\n' {
                    k += 1;
                }
                continue;
            }
            b'[' if depth == 0 => depth = 1,
            b'(' if depth == 1 => {
                if seen == i {
                    let end = Ron(bytes).close(k);
                    let inner = if field.is_empty() { None } else { locate_offset(&text[k..end], field) };
                    return Some(k + inner.unwrap_or(0));
                }
                seen += 1;
                depth = 2;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth <= 0 {
                    return None;
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

/// A byte scanner over RON text: skips whitespace and comments and finds where values end, minding strings.
pub(crate) struct Ron<'a>(pub(crate) &'a [u8]);

impl Ron<'_> {
    /// Past whitespace and `//` and `/* */` comments from `i`.
    pub(crate) fn skip_ws(&self, mut i: usize) -> usize {
        let t = self.0;
        loop {
            while i < t.len() && t[i].is_ascii_whitespace() {
                i += 1;
            }
            if t[i..].starts_with(b"//") {
                while i < t.len() && t[i] != b'\n' {
                    i += 1;
                }
            } else if t[i..].starts_with(b"/*") {
                i = t[i + 2..].windows(2).position(|w| w == b"*/").map_or(t.len(), |p| i + 2 + p + 2);
            } else {
                return i;
            }
        }
    }

    /// Where the document's value starts: past `#![enable(…)]` attributes.
    pub(crate) fn document_start(&self) -> usize {
        let mut i = self.skip_ws(0);
        while self.0[i..].starts_with(b"#!") {
            let open = i + 2 + self.0[i + 2..].iter().position(|&b| b == b'[').unwrap_or(0);
            i = self.skip_ws(self.close(open));
        }
        i
    }

    /// End of the identifier at `i` (`r#` raw identifiers included); `i` if there is none.
    pub(crate) fn ident_end(&self, i: usize) -> usize {
        let t = self.0;
        let mut j = if t[i..].starts_with(b"r#") { i + 2 } else { i };
        if j >= t.len() || !(t[j].is_ascii_alphabetic() || t[j] == b'_') {
            return i;
        }
        while j < t.len() && (t[j].is_ascii_alphanumeric() || t[j] == b'_') {
            j += 1;
        }
        j
    }

    /// End of the string or character literal opening at `i` (`"` or `'`).
    pub(crate) fn literal_end(&self, i: usize) -> usize {
        let (t, quote) = (self.0, self.0[i]);
        let mut j = i + 1;
        while j < t.len() && t[j] != quote {
            j += if t[j] == b'\\' { 2 } else { 1 };
        }
        (j + 1).min(t.len())
    }

    /// Just past the bracket closing the one at `open`.
    pub(crate) fn close(&self, open: usize) -> usize {
        let t = self.0;
        let (mut i, mut depth) = (open, 0usize);
        while i < t.len() {
            match t[i] {
                b'"' | b'\'' => {
                    i = self.literal_end(i);
                    continue;
                }
                b'/' if matches!(t.get(i + 1), Some(b'/' | b'*')) => {
                    i = self.skip_ws(i);
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        t.len()
    }

    /// End of the value starting at `i`.
    pub(crate) fn value_end(&self, i: usize) -> usize {
        let t = self.0;
        match t.get(i) {
            None => i,
            Some(b'"' | b'\'') => self.literal_end(i),
            Some(b'(' | b'[' | b'{') => self.close(i),
            Some(_) => {
                let j = self.ident_end(i);
                if j > i {
                    let k = self.skip_ws(j);
                    return if t.get(k) == Some(&b'(') { self.close(k) } else { j };
                }
                let mut j = i;
                while j < t.len() && !matches!(t[j], b',' | b')' | b']' | b'}') && !t[j].is_ascii_whitespace() {
                    j += 1;
                }
                j
            }
        }
    }

    /// The `(` of the struct (or struct variant) whose value starts at `pos`.
    pub(crate) fn struct_open(&self, pos: usize) -> Option<usize> {
        let i = self.skip_ws(pos);
        let j = self.skip_ws(self.ident_end(i));
        (self.0.get(j) == Some(&b'(')).then_some(j)
    }

    /// Spans of the comma-separated items directly inside the bracket at `open` (a `name: value` field is
    /// one item).
    pub(crate) fn items(&self, open: usize) -> Vec<(usize, usize)> {
        let t = self.0;
        let mut out = Vec::new();
        let mut i = open + 1;
        loop {
            i = self.skip_ws(i);
            if i >= t.len() || matches!(t[i], b')' | b']' | b'}') {
                return out;
            }
            let start = i;
            let name = self.ident_end(i);
            let colon = self.skip_ws(name);
            let mut end = if name > i && t.get(colon) == Some(&b':') {
                self.value_end(self.skip_ws(colon + 1))
            } else {
                self.value_end(i)
            };
            if end == start {
                end += 1; // not RON; step over it
            }
            out.push((start, end));
            i = self.skip_ws(end);
            if t.get(i) == Some(&b',') {
                i += 1;
            }
        }
    }

    /// Where the value of field `name` starts in the struct whose `(` is at `open`.
    pub(crate) fn field(&self, open: usize, name: &str) -> Option<usize> {
        self.items(open).into_iter().find_map(|(start, _)| {
            let end = self.ident_end(start);
            let colon = self.skip_ws(end);
            (&self.0[start..end] == name.as_bytes() && self.0.get(colon) == Some(&b':'))
                .then(|| self.skip_ws(colon + 1))
        })
    }
}

/// 1-based (line, column) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |n| offset - n - 1) + 1;
    (line, col)
}

/// Where a scenario's data files are looked up, with where that setting came from (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// `"--data-dir"`, `"CLUSTERSIM_DATA_DIR"` or `"default"`.
    pub origin: &'static str,
}

impl DataDir {
    /// `flag`, else `$CLUSTERSIM_DATA_DIR`, else `../shared/data`.
    pub fn resolve(flag: Option<&Path>) -> Self {
        if let Some(p) = flag {
            return DataDir { path: p.to_path_buf(), origin: "--data-dir" };
        }
        if let Some(p) = std::env::var_os("CLUSTERSIM_DATA_DIR") {
            return DataDir { path: PathBuf::from(p), origin: "CLUSTERSIM_DATA_DIR" };
        }
        DataDir { path: PathBuf::from("../shared/data"), origin: "default" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where RON's own words mislead, the error names the field and what is wrong.
    #[test]
    fn syntax_errors_name_the_field_and_what_is_left_open() {
        let e = parse("(name: \"x\", seed: 1.5)", "f").unwrap_err();
        assert_eq!((e.position, e.path.as_str()), (Some((1, 19)), "seed"), "{e}");
        assert!(e.message.contains("`1.5` is not a whole number"), "{e}");
        let e = parse("(\n  name: \"x\",\n  seed: 1,\n", "f").unwrap_err();
        assert!(e.message.contains("the `(` at 1:1 is never closed"), "{e}");
        let e = parse("(name: \"µ\", seed: 1)", "f").unwrap_err();
        assert_eq!(e.path, "platform", "a missing field joins the path: {e}");
        let e = parse("(name: \"x\", seed: 1, seed: 2)", "f").unwrap_err();
        assert_eq!(e.path, "seed", "so does a repeated one: {e}");
        let e = parse("(name: \"x\", seed: 1 platform: ())", "f").unwrap_err();
        assert!(!e.path.contains('?'), "{e}");
    }

    #[test]
    fn locate_follows_nesting() {
        let text = "(\n  name: \"x\",\n  platform: (\n    host: (peak: \"1 GFLOP/s\"),\n    topology: Star(hosts: 2, link: (bandwidth: \"1 Gbps\")),\n  ),\n  deployment: (workers: 2, servers: 1),\n)";
        assert_eq!(locate(text, "deployment.servers"), Some((7, 28)));
        assert_eq!(locate(text, "platform.topology.Star.link.bandwidth"), Some((5, 37)));
        assert_eq!(locate(text, "platform.host.peak"), Some((4, 12)));
    }

    /// Every `.ron` file under `dir`, recursively, sorted.
    fn ron_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(ron_files(&path));
            } else if path.extension().is_some_and(|e| e == "ron") {
                files.push(path);
            }
        }
        files.sort();
        files
    }

    /// `text` parses, writes back, and the written text parses to the same value.
    fn assert_round_trips(text: &str, name: &str) {
        let parsed = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
        let written = to_ron(&parsed);
        let reparsed =
            parse(&written, name).unwrap_or_else(|e| panic!("{name}: the written text does not parse: {e}\n{written}"));
        assert_eq!(reparsed, parsed, "{name}: the written text parses to another scenario:\n{written}");
        assert_eq!(to_ron(&reparsed), written, "{name}: writing is not a fixed point");
    }

    #[test]
    fn every_shipped_scenario_and_the_quickstart_round_trip_through_ron() {
        // scenarios/sweeps/ holds sweep files, not scenarios.
        let sweeps = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
        let files: Vec<PathBuf> = ron_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .into_iter()
            .filter(|f| !f.starts_with(&sweeps))
            .collect();
        assert!(files.len() >= 20, "scenarios/ holds {} files", files.len());
        for path in &files {
            assert_round_trips(&std::fs::read_to_string(path).unwrap(), &path.display().to_string());
        }
        assert_round_trips(crate::QUICKSTART, "<built-in quickstart>");
    }

    #[test]
    fn written_scenarios_look_hand_written() {
        let written = to_ron(&parse(crate::QUICKSTART, "q").unwrap());
        for expected in [
            "    name: \"quickstart\",\n",
            "bandwidth: \"10 Gbps\"",
            "latency: \"2 us\"",
            "switch_latency: \"500 ns\"",
            "memory: \"64 GiB\"",
            "peak: \"100 GFLOP/s\"",
            "consistency: Ssp(",
            "stragglers: PaiTrace(",
        ] {
            assert!(written.contains(expected), "no {expected:?} in\n{written}");
        }
        assert!(
            written.starts_with("#![enable(implicit_some)]\n(\n    name: \"quickstart\",\n    seed: 42,\n"),
            "{written}"
        );
        for absent in ["Some(", "None", "preset", "\n    placement", "variants: []", "r#"] {
            assert!(!written.contains(absent), "{absent:?} in\n{written}");
        }
    }

    /// Values the shipped scenarios do not hold: variants overriding with a variant named `None`
    /// (which an implicit `Some` would lose), every optional field set, extreme numbers.
    #[test]
    fn unusual_values_round_trip() {
        let text = r#"(
            name: "odd \"quoted\" µ",
            seed: 18446744073709551615,
            platform: (
                host: (gpu: "h100-sxm5", peak: "1 FLOP/s", efficiency: 0.1, memory: "0 B",
                       memory_bandwidth: "18446744073709551615 B/s", launch_overhead: "1 ps", power_watts: 700.5),
                topology: OpticalFabric(shape: Permutations(gpus: 8, degree: 4, shifts: [1, 3]), chiplets_per_gpu: 1,
                                        link_latency: "12345 ps"),
                network_model: Lv08,
                routing: DModK,
            ),
            workload: Dnn(model: "llama-2-7b", global_batch: 8, sequence: 1024),
            runtime: Training(split: (data: 2, tensor: 4), devices: ["gpu7", "gpu6"], micro_batch: 2,
                              gradient_bucket: "0 B", all_reduce: Hierarchical(group_size: 4), compute_efficiency: 0.3,
                              link_energy_pj_per_bit: 1e-300, trace: false, stage_layers: [1, 2]),
            stragglers: None,
            target_objective: 0.1234567890123456789,
            placement: (budget: 3, micro_batches: [1, 2], co_design: true),
            variants: [
                (name: "a", recompute: Some(None), zero: Some(None), stragglers: Some(None)),
                (name: "no overrides", recompute: None, zero: None, stragglers: None),
                (name: "b", recompute: Some(Full), zero: Optimizer, stragglers: Bernoulli(prob: 0.1, slowdown: 2),
                 devices: [], sequence_parallel: false, ocs: (reconfiguration: "1.5 ms"), platform: (
                     topology: Star(hosts: 2, link: (preset: "ib-ndr", half_duplex: true), switch_latency: "0 ps"))),
                (name: "c", scheduler: Priority(eta: 1e-4, restart: false), asp: (), collective: AllToAll(Pairwise),
                 consistency: Essp(staleness: 2), split: (pipeline: 2)),
            ],
        )"#;
        let parsed = parse(text, "odd.ron").unwrap();
        assert_eq!(parsed.variants[0].recompute, Some(RecomputeSpec::None));
        assert_eq!(parsed.variants[0].zero, Some(ZeroSpec::None));
        assert_eq!(parsed.variants[0].stragglers, Some(StragglerSpec::None));
        assert_eq!(parsed.variants[1].recompute, None);
        assert!(parsed.placement.is_some());
        assert_round_trips(text, "odd.ron");
        let written = to_ron(&parsed);
        assert!(!written.contains("recompute: r#None"), "the runtime's default is left out:\n{written}");
        for expected in
            ["recompute: Some(r#None)", "zero: Some(Optimizer)", "stragglers: Some(Bernoulli(", "peak: \"1 FLOP/s\""]
        {
            assert!(written.contains(expected), "no {expected:?} in\n{written}");
        }
    }

    #[test]
    fn locate_in_list_finds_the_ith_element_and_its_field() {
        let text = "(\n  w: P(\n    phases: [\n      (name: \"a\", circuits: Ring(gpus: 4)), // (x\n      (circuits: Ring(gpus: 5), collective: X),\n    ],\n  ),\n)";
        assert_eq!(locate_in_list(text, "w.phases", 0, "circuits"), Some((4, 19)));
        assert_eq!(locate_in_list(text, "w.phases", 1, "collective"), Some((5, 33)));
        assert_eq!(locate_in_list(text, "w.phases", 1, "circuits.gpus"), Some((5, 23)));
        // A field the element does not write: the element itself, not a later element's field.
        assert_eq!(locate_in_list(text, "w.phases", 0, "collective"), Some((4, 7)));
        assert_eq!(locate_in_list(text, "w.phases", 2, "circuits"), None);
    }
}
