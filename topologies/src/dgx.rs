//! DGX-class GPU clusters: an NVSwitch domain per node, one NIC per GPU, and the network the NICs plug
//! into (one switch, a leaf/spine fabric, or rail-optimized rails with optional spines).
//!
//! ```text
//!   node n:  gpu0 … gpu7 ──NVLink── nvswitch          (intra-node, NVLink rate each way)
//!            gpu g ──PCIe── nic g ──port── fabric     (one NIC per GPU)
//!   fabric:  SingleSwitch: every nic → `net`
//!            LeafSpine:    nics in order, `nics_per_leaf` per leaf; every leaf ↔ every spine
//!            Rails:        nic g of every node → `rail{g}`; every rail ↔ every spine (none = rail-only)
//! ```
//!
//! Each NIC is its own node (a [`sim_core::NodeKind::Switch`] with the NIC's latency), not part of the GPU
//! host. This keeps routes right under `sim_core`'s hop-count routing: two GPUs of one node are 2 hops apart
//! through the NVSwitch but 4 through their NICs, so intra-node traffic never takes the network; with the
//! NIC folded into the host, both would be 2 hops and ECMP would split NVLink traffic onto InfiniBand.

use sim_core::{BytesPerSec, LinkSpec, Platform, SimDuration};

use crate::catalogue::NodePreset;
use crate::util::{at_least_one, check_ratio, check_size, positive_bandwidth, uplink_bandwidth};
use crate::{PlatformGraph, TopologyError};

/// Forwarding latency of the NVSwitch domain per traversal: 100 ns. **[assumption]**: not in REFERENCE.md;
/// NVSwitch port-to-port latency is of the order of a packet switch's.
pub const DEFAULT_NVSWITCH_LATENCY: SimDuration = SimDuration::from_ns(100);

/// Latency of one NIC traversal: 500 ns, so a message paying two NICs (sender and receiver) pays 1 µs.
/// **[assumption]** taken from REFERENCE.md §8's engineering default "NIC + software per message 1–2 µs
/// (RDMA)" [R], its low end.
pub const DEFAULT_NIC_LATENCY: SimDuration = SimDuration::from_ns(500);

/// Propagation latency of one network cable (NIC ↔ switch, switch ↔ switch): 10 ns, about 2 m of fibre at
/// 5 ns/m. **[assumption]**.
pub const DEFAULT_CABLE_LATENCY: SimDuration = SimDuration::from_ns(10);

/// The network that the NICs of a DGX cluster plug into.
#[derive(Clone, Debug, PartialEq)]
pub enum DgxFabric {
    /// One non-blocking switch `net` for every NIC: an ideal big switch (its radix is not enforced).
    SingleSwitch,
    /// Two-level leaf/spine: NICs in host order, `nics_per_leaf` consecutive NICs per leaf, every leaf joined
    /// to every spine. Each leaf–spine cable carries `nics_per_leaf · port_rate / (spines · oversubscription)`
    /// each way, as in [`crate::FatTreeSpec`].
    LeafSpine {
        /// NICs per leaf, ≥ 1; must divide `nodes · gpus` (8 = one node per leaf).
        nics_per_leaf: u32,
        /// Spine switches, ≥ 1.
        spines: u32,
        /// Leaf oversubscription (downlink / uplink capacity), finite and > 0; 1 = non-blocking.
        oversubscription: f64,
    },
    /// Rail-optimized (as in NVIDIA's DGX SuperPOD reference designs): NIC `g` of every node plugs into
    /// rail switch `rail{g}`, so GPUs with the same local index are one switch apart. With `spines > 0`
    /// every rail is joined to every spine (cables of `nodes · port_rate / (spines · oversubscription)` each
    /// way); with `spines = 0` the fabric is **rail-only**. A rail is modelled as one non-blocking switch
    /// (a real rail of many nodes is itself a leaf/spine tier).
    Rails {
        /// Spine switches joining the rails; 0 = rail-only.
        spines: u32,
        /// Rail-to-spine oversubscription, finite and > 0 (ignored when `spines = 0`).
        oversubscription: f64,
        /// Adds a cable from each node's NVSwitch to each of its NICs (NCCL's PXN: data crosses NVLink to
        /// the GPU on the destination's rail, then leaves through that GPU's NIC). Without it, a rail-only
        /// fabric cannot join GPUs of different nodes and different rails, because `sim_core` routes only
        /// through switches, never through a GPU host. The PXN cable stands for the intermediate GPU's
        /// NVLink port plus its PCIe link; it does not share capacity with them (an approximation).
        pxn: bool,
    },
}

/// A cluster of DGX-class nodes (see the module docs for the picture).
#[derive(Clone, Debug, PartialEq)]
pub struct DgxClusterSpec {
    /// Number of nodes, ≥ 1.
    pub nodes: u32,
    /// The node model: GPU, GPUs per node, NVSwitch bandwidth per GPU, NIC count and technology.
    pub node: NodePreset,
    /// The network the NICs plug into.
    pub fabric: DgxFabric,
    /// Forwarding latency of each NVSwitch traversal [ps].
    pub nvswitch_latency: SimDuration,
    /// Latency of each NIC traversal [ps] (the NIC is a forwarding node between PCIe and the network).
    pub nic_latency: SimDuration,
    /// Propagation latency of each network cable [ps] (NIC ↔ switch, switch ↔ switch). NVLink and PCIe
    /// cables are on the board and have latency 0.
    pub cable_latency: SimDuration,
}

impl DgxClusterSpec {
    /// A spec with the default latencies [`DEFAULT_NVSWITCH_LATENCY`], [`DEFAULT_NIC_LATENCY`] and
    /// [`DEFAULT_CABLE_LATENCY`] (all assumptions, see their docs).
    pub fn new(nodes: u32, node: NodePreset, fabric: DgxFabric) -> Self {
        DgxClusterSpec {
            nodes,
            node,
            fabric,
            nvswitch_latency: DEFAULT_NVSWITCH_LATENCY,
            nic_latency: DEFAULT_NIC_LATENCY,
            cable_latency: DEFAULT_CABLE_LATENCY,
        }
    }

    /// A rail-optimized cluster ([`DgxFabric::Rails`]) with `spines` spines (0 = rail-only, then with PXN
    /// cables so that every GPU pair is routable), non-blocking, default latencies.
    pub fn rail_optimized(nodes: u32, node: NodePreset, spines: u32) -> Self {
        Self::new(nodes, node, DgxFabric::Rails { spines, oversubscription: 1.0, pxn: spines == 0 })
    }

    /// Bandwidth of each leaf–spine or rail–spine cable, each way [bytes/s]; `None` for a fabric without
    /// spines ([`DgxFabric::SingleSwitch`], rail-only).
    ///
    /// # Errors
    /// As [`dgx_cluster`].
    pub fn spine_bandwidth(&self) -> Result<Option<BytesPerSec>, TopologyError> {
        self.validate()?;
        let rate = self.node.nic.port_rate;
        match self.fabric {
            DgxFabric::SingleSwitch | DgxFabric::Rails { spines: 0, .. } => Ok(None),
            DgxFabric::LeafSpine { nics_per_leaf, spines, oversubscription } => uplink_bandwidth(
                nics_per_leaf.into(),
                rate,
                spines.into(),
                oversubscription,
                "fabric.oversubscription",
                "spine_bandwidth",
            )
            .map(Some),
            DgxFabric::Rails { spines, oversubscription, .. } => uplink_bandwidth(
                self.nodes.into(),
                rate,
                spines.into(),
                oversubscription,
                "fabric.oversubscription",
                "spine_bandwidth",
            )
            .map(Some),
        }
    }

    fn validate(&self) -> Result<(), TopologyError> {
        at_least_one("nodes", self.nodes)?;
        validate_node(&self.node)?;
        let node = &self.node;
        if node.nics != node.gpus {
            return Err(TopologyError::InvalidValue {
                field: "node.nics",
                value: node.nics.into(),
                reason: "must equal node.gpus: the builders give every GPU its own NIC",
            });
        }
        positive_bandwidth("node.nic.port_rate", node.nic.port_rate)?;
        positive_bandwidth("node.gpu.pcie_per_direction", node.gpu.pcie_per_direction)?;
        let gpus = u64::from(self.nodes) * u64::from(node.gpus);
        let (fabric_switches, fabric_cables) = match self.fabric {
            DgxFabric::SingleSwitch => (1, gpus),
            DgxFabric::LeafSpine { nics_per_leaf, spines, oversubscription } => {
                at_least_one("fabric.nics_per_leaf", nics_per_leaf)?;
                at_least_one("fabric.spines", spines)?;
                check_ratio("fabric.oversubscription", oversubscription)?;
                if gpus % u64::from(nics_per_leaf) != 0 {
                    return Err(TopologyError::InvalidValue {
                        field: "fabric.nics_per_leaf",
                        value: nics_per_leaf.into(),
                        reason: "must divide the number of NICs (nodes · node.gpus)",
                    });
                }
                let leaves = gpus / u64::from(nics_per_leaf);
                (leaves + u64::from(spines), gpus + leaves * u64::from(spines))
            }
            DgxFabric::Rails { spines, oversubscription, pxn } => {
                if spines > 0 {
                    check_ratio("fabric.oversubscription", oversubscription)?;
                }
                let rails = u64::from(node.gpus);
                let pxn_cables = if pxn { gpus } else { 0 };
                (rails + u64::from(spines), gpus + rails * u64::from(spines) + pxn_cables)
            }
        };
        // Hosts, NVSwitches, NICs, fabric; NVLink, PCIe and NIC cables (NIC cables counted in the fabric).
        let nodes = 2 * u128::from(gpus) + u128::from(self.nodes) + u128::from(fabric_switches);
        let cables = 2 * u128::from(gpus) + u128::from(fabric_cables);
        check_size(nodes, cables, "nodes", self.nodes.into())
    }
}

fn validate_node(node: &NodePreset) -> Result<(), TopologyError> {
    at_least_one("node.gpus", node.gpus)?;
    positive_bandwidth("node.nvswitch_per_gpu", node.nvswitch_per_gpu)
}

/// One DGX-class node on its own: `node.gpus` GPUs around one NVSwitch, no NICs.
///
/// Nodes: hosts `node0/gpu{g}` ([`sim_core::NodeId`] `g`, compute device `node.gpu.device`), then the switch
/// `node0/nvswitch` (id `gpus`, hop latency `nvswitch_latency`). Cable `g` joins GPU `g` to the NVSwitch at
/// `node.nvswitch_per_gpu` each way (half the GPU's bidirectional NVLink figure), latency 0: link `2g` is
/// GPU → NVSwitch, `2g + 1` back. All site 0. A GPU-to-GPU route is 2 links, latency `nvswitch_latency`.
///
/// # Errors
/// [`TopologyError::ZeroCount`] for `node.gpus = 0`; [`TopologyError::InvalidBandwidth`] for a zero NVSwitch
/// bandwidth.
pub fn dgx_node(node: &NodePreset, nvswitch_latency: SimDuration) -> Result<Platform, TopologyError> {
    validate_node(node)?;
    let mut g = PlatformGraph::new();
    let gpus: Vec<_> =
        (0..node.gpus).map(|i| g.add_host(format!("node0/gpu{i}"), node.gpu.device.clone(), 0)).collect();
    let nvswitch = g.add_switch("node0/nvswitch", nvswitch_latency, 0);
    let nvlink = LinkSpec::new(node.nvswitch_per_gpu, SimDuration::ZERO);
    for gpu in gpus {
        g.connect(gpu, nvswitch, nvlink.clone());
    }
    g.into_platform()
}

/// Builds the DGX cluster of `spec`. All nodes are site 0. Let `N = nodes`, `G = node.gpus` (= `node.nics`),
/// `H = N · G`.
///
/// Nodes, in [`sim_core::NodeId`] order:
/// 1. hosts `node{n}/gpu{g}` = id `n · G + g` (compute device `node.gpu.device`);
/// 2. NVSwitches `node{n}/nvswitch` = id `H + n` (hop latency `nvswitch_latency`);
/// 3. NICs `node{n}/nic{g}` = id `H + N + n · G + g` (switch nodes, hop latency `nic_latency`);
/// 4. the fabric's switches (hop latency `node.nic.switch_latency`): `net` for
///    [`DgxFabric::SingleSwitch`]; `leaf{j}` then `spine{k}` for [`DgxFabric::LeafSpine`]; `rail{r}`
///    (`r < G`) then `spine{k}` for [`DgxFabric::Rails`].
///
/// Cables, in link order (cable `c` gives links `2c` = first → second endpoint and `2c + 1` back), each group
/// in host order:
/// 1. GPU ↔ its NVSwitch: `node.nvswitch_per_gpu` each way, latency 0;
/// 2. GPU ↔ its NIC (PCIe): `node.gpu.pcie_per_direction`, latency 0;
/// 3. NIC ↔ its fabric switch (`net`; leaf `(n · G + g) / nics_per_leaf`; or `rail{g}`): `node.nic.port_rate`,
///    `cable_latency`;
/// 4. only for `Rails { pxn: true }`: NVSwitch of node `n` ↔ NIC `g` of node `n`: the smaller of the NVSwitch
///    and PCIe rates, latency 0;
/// 5. leaf `j` ↔ spine `k` or rail `r` ↔ spine `k` (outer loop over leaves or rails):
///    [`DgxClusterSpec::spine_bandwidth`], `cable_latency`.
///
/// Routes (hop count, only switches forward): two GPUs of one node meet through the NVSwitch (2 links);
/// GPUs of different nodes go GPU → NIC → fabric → NIC → GPU (4 links through one switch, 6 through a
/// spine). On a rail-only fabric without PXN, GPUs of different nodes and different rails have **no route**
/// in `sim_core` (it would need forwarding through a GPU host).
///
/// # Errors
/// [`TopologyError::ZeroCount`] for a zero count; [`TopologyError::InvalidValue`] if `node.nics ≠ node.gpus`
/// or `nics_per_leaf` does not divide `H`; [`TopologyError::InvalidRatio`] for a bad oversubscription;
/// [`TopologyError::InvalidBandwidth`] for a zero rate or a spine bandwidth that rounds to 0;
/// [`TopologyError::TooLarge`] beyond [`crate::MAX_NODES`] nodes or [`crate::MAX_LINKS`] links.
pub fn dgx_cluster(spec: &DgxClusterSpec) -> Result<Platform, TopologyError> {
    let spine_bw = spec.spine_bandwidth()?;
    let node = &spec.node;
    let (n_nodes, per) = (spec.nodes as usize, node.gpus as usize);
    let mut g = PlatformGraph::new();
    let mut gpus = Vec::with_capacity(n_nodes * per);
    for n in 0..n_nodes {
        for i in 0..per {
            gpus.push(g.add_host(format!("node{n}/gpu{i}"), node.gpu.device.clone(), 0));
        }
    }
    let nvswitches: Vec<_> =
        (0..n_nodes).map(|n| g.add_switch(format!("node{n}/nvswitch"), spec.nvswitch_latency, 0)).collect();
    let mut nics = Vec::with_capacity(gpus.len());
    for n in 0..n_nodes {
        for i in 0..per {
            nics.push(g.add_switch(format!("node{n}/nic{i}"), spec.nic_latency, 0));
        }
    }
    let hop = node.nic.switch_latency;
    let spines_of = |g: &mut PlatformGraph, spines: u32| -> Vec<_> {
        (0..spines).map(|k| g.add_switch(format!("spine{k}"), hop, 0)).collect()
    };
    // For each NIC (host order), the fabric switch it plugs into; then the fabric's spine-level pairs.
    let (attach, lower, spines) = match spec.fabric {
        DgxFabric::SingleSwitch => {
            let net = g.add_switch("net", hop, 0);
            (vec![net; nics.len()], Vec::new(), Vec::new())
        }
        DgxFabric::LeafSpine { nics_per_leaf, spines, .. } => {
            let leaves: Vec<_> =
                (0..nics.len() / nics_per_leaf as usize).map(|j| g.add_switch(format!("leaf{j}"), hop, 0)).collect();
            let attach = (0..nics.len()).map(|x| leaves[x / nics_per_leaf as usize]).collect();
            let spines = spines_of(&mut g, spines);
            (attach, leaves, spines)
        }
        DgxFabric::Rails { spines, .. } => {
            let rails: Vec<_> = (0..per).map(|r| g.add_switch(format!("rail{r}"), hop, 0)).collect();
            let attach = (0..nics.len()).map(|x| rails[x % per]).collect();
            let spines = spines_of(&mut g, spines);
            (attach, rails, spines)
        }
    };

    let nvlink = LinkSpec::new(node.nvswitch_per_gpu, SimDuration::ZERO);
    let pcie = LinkSpec::new(node.gpu.pcie_per_direction, SimDuration::ZERO);
    let port = LinkSpec::new(node.nic.port_rate, spec.cable_latency);
    for (x, &gpu) in gpus.iter().enumerate() {
        g.connect(gpu, nvswitches[x / per], nvlink.clone());
    }
    for (&gpu, &nic) in gpus.iter().zip(&nics) {
        g.connect(gpu, nic, pcie.clone());
    }
    for (&nic, &sw) in nics.iter().zip(&attach) {
        g.connect(nic, sw, port.clone());
    }
    if let DgxFabric::Rails { pxn: true, .. } = spec.fabric {
        let bw = node.nvswitch_per_gpu.min(node.gpu.pcie_per_direction);
        for (x, &nic) in nics.iter().enumerate() {
            g.connect(nvswitches[x / per], nic, LinkSpec::new(bw, SimDuration::ZERO));
        }
    }
    if let Some(bw) = spine_bw {
        let up = LinkSpec::new(bw, spec.cable_latency);
        for &low in &lower {
            for &spine in &spines {
                g.connect(low, spine, up.clone());
            }
        }
    }
    g.into_platform()
}

#[cfg(test)]
mod tests {
    use sim_core::{NodeId, NodeKind};

    use super::*;
    use crate::catalogue::{DGX_A100, DGX_H100};
    use crate::test_util::{assert_all_routable, degree, route_links};

    #[test]
    fn dgx_node_is_a_star_at_nvlink_rate() {
        let p = dgx_node(&DGX_H100, DEFAULT_NVSWITCH_LATENCY).unwrap();
        assert_eq!((p.nodes.len(), p.links.len()), (9, 16));
        assert_eq!(p.hosts(), (0..8).map(NodeId).collect::<Vec<_>>());
        assert_eq!(p.node_by_name("node0/nvswitch"), Some(NodeId(8)));
        // 900 GB/s bidirectional per GPU -> 450 GB/s each way.
        assert!(p.links.iter().all(|l| l.bandwidth == BytesPerSec(450_000_000_000)));
        assert_eq!(p.device(NodeId(3)), Some(&DGX_H100.gpu.device));
        assert_all_routable(&p);
        assert_eq!(route_links(&p, "node0/gpu0", "node0/gpu7").0, 2);
    }

    #[test]
    fn single_switch_cluster_counts_and_routes() {
        let spec = DgxClusterSpec::new(3, DGX_A100, DgxFabric::SingleSwitch);
        let p = dgx_cluster(&spec).unwrap();
        // 24 GPUs + 3 NVSwitches + 24 NICs + 1 switch; 24 NVLink + 24 PCIe + 24 NIC cables.
        assert_eq!(p.nodes.len(), 24 + 3 + 24 + 1);
        assert_eq!(p.links.len(), 2 * 72);
        assert_eq!(p.node_by_name("node2/gpu5"), Some(NodeId(21)));
        assert_eq!(p.node_by_name("node1/nvswitch"), Some(NodeId(25)));
        assert_eq!(p.node_by_name("node0/nic0"), Some(NodeId(27)));
        assert_eq!(p.node_by_name("net"), Some(NodeId(51)));
        assert_eq!(degree(&p, "net"), 24);
        assert_eq!(degree(&p, "node1/nvswitch"), 8);
        // Every GPU: NVLink + PCIe.
        assert!((0..24).all(|h| p.out_links[h].len() == 2));
        // Cable 48 + x: NIC x -> net at HDR 200 Gb/s, 10 ns.
        let l = &p.links[2 * 48];
        assert_eq!((l.src, l.dst), (NodeId(27), NodeId(51)));
        assert_eq!((l.bandwidth, l.latency), (BytesPerSec(25_000_000_000), SimDuration::from_ns(10)));
        assert!(
            matches!(p.nodes[51].kind, NodeKind::Switch { hop_latency } if hop_latency == SimDuration::from_ns(130))
        );
        assert_all_routable(&p);
        // Intra-node stays on NVLink; inter-node: GPU -> NIC -> net -> NIC -> GPU.
        let (hops, lat) = route_links(&p, "node0/gpu1", "node0/gpu6");
        assert_eq!((hops, lat), (2, SimDuration::from_ns(100)));
        let (hops, lat) = route_links(&p, "node0/gpu1", "node2/gpu6");
        assert_eq!(hops, 4);
        assert_eq!(lat, SimDuration::from_ns(500 + 10 + 130 + 10 + 500));
    }

    #[test]
    fn leaf_spine_cluster_cuts_at_the_leaf() {
        let fabric = DgxFabric::LeafSpine { nics_per_leaf: 8, spines: 2, oversubscription: 2.0 };
        let spec = DgxClusterSpec::new(4, DGX_H100, fabric);
        // A leaf: 8 · 50 GB/s down; 2 uplinks carry half -> 100 GB/s each.
        assert_eq!(spec.spine_bandwidth(), Ok(Some(BytesPerSec(100_000_000_000))));
        let p = dgx_cluster(&spec).unwrap();
        assert_eq!(p.nodes.len(), 32 + 4 + 32 + 4 + 2);
        assert_eq!(p.links.len(), 2 * (96 + 4 * 2));
        assert_eq!(degree(&p, "leaf3"), 8 + 2);
        assert_eq!(degree(&p, "spine1"), 4);
        assert_all_routable(&p);
        assert_eq!(route_links(&p, "node0/gpu0", "node3/gpu0").0, 6);
        let bad = DgxClusterSpec::new(
            3,
            DGX_H100,
            DgxFabric::LeafSpine { nics_per_leaf: 16, spines: 1, oversubscription: 1.0 },
        );
        assert!(matches!(dgx_cluster(&bad), Err(TopologyError::InvalidValue { field: "fabric.nics_per_leaf", .. })));
    }

    #[test]
    fn rails_with_spines() {
        let spec = DgxClusterSpec::rail_optimized(4, DGX_H100, 2);
        // A rail: 4 nodes · 50 GB/s; 2 spines, non-blocking -> 100 GB/s per rail-spine cable.
        assert_eq!(spec.spine_bandwidth(), Ok(Some(BytesPerSec(100_000_000_000))));
        let p = dgx_cluster(&spec).unwrap();
        assert_eq!(p.nodes.len(), 32 + 4 + 32 + 8 + 2);
        assert_eq!(p.links.len(), 2 * (96 + 16));
        for r in 0..8 {
            assert_eq!(degree(&p, &format!("rail{r}")), 4 + 2, "rail{r}");
        }
        assert_eq!(degree(&p, "spine0"), 8);
        // GPU g of node n plugs into rail g.
        let nic = p.node_by_name("node2/nic5").unwrap();
        let rail5 = p.node_by_name("rail5").unwrap();
        assert!(p.out_links[nic.index()].iter().any(|&l| p.links[l.index()].dst == rail5));
        assert_all_routable(&p);
        assert_eq!(route_links(&p, "node0/gpu3", "node1/gpu3").0, 4); // same rail
        assert_eq!(route_links(&p, "node0/gpu3", "node1/gpu4").0, 6); // via a spine
    }

    #[test]
    fn rail_only_needs_pxn_to_cross_rails() {
        let mut spec = DgxClusterSpec::rail_optimized(3, DGX_A100, 0);
        assert_eq!(spec.fabric, DgxFabric::Rails { spines: 0, oversubscription: 1.0, pxn: true });
        assert_eq!(spec.spine_bandwidth(), Ok(None));
        let p = dgx_cluster(&spec).unwrap();
        assert_eq!(p.nodes.len(), 24 + 3 + 24 + 8);
        assert_eq!(p.links.len(), 2 * (72 + 24));
        assert_eq!(degree(&p, "node0/nvswitch"), 16); // 8 GPUs + 8 PXN cables
        assert_all_routable(&p);
        // Cross rail, cross node: GPU -> NVSwitch -> NIC of the other rail -> rail -> NIC -> GPU.
        assert_eq!(route_links(&p, "node0/gpu0", "node2/gpu5").0, 5);
        // PXN cable rate: min(300 GB/s NVSwitch, 32 GB/s PCIe).
        assert_eq!(p.links[2 * 72].bandwidth, BytesPerSec(32_000_000_000));

        // Without PXN: same rail or same node only.
        spec.fabric = DgxFabric::Rails { spines: 0, oversubscription: 1.0, pxn: false };
        let p = dgx_cluster(&spec).unwrap();
        assert_eq!(p.links.len(), 2 * 72);
        let mut r = sim_core::Router::new(&p);
        for a in p.hosts() {
            for b in p.hosts() {
                let same_node = a.0 / 8 == b.0 / 8;
                let same_rail = a.0 % 8 == b.0 % 8;
                assert_eq!(r.route(&p, a, b, 0).is_ok(), same_node || same_rail, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn bad_cluster_specs_are_rejected() {
        let mut node = DGX_A100;
        node.nics = 4;
        let err = dgx_cluster(&DgxClusterSpec::new(2, node, DgxFabric::SingleSwitch)).unwrap_err();
        assert!(matches!(err, TopologyError::InvalidValue { field: "node.nics", value: 4, .. }));
        assert_eq!(
            dgx_cluster(&DgxClusterSpec::new(0, DGX_A100, DgxFabric::SingleSwitch)),
            Err(TopologyError::ZeroCount { field: "nodes", value: 0 })
        );
        let bad_ratio = DgxFabric::Rails { spines: 1, oversubscription: 0.0, pxn: false };
        assert!(matches!(
            dgx_cluster(&DgxClusterSpec::new(2, DGX_A100, bad_ratio)),
            Err(TopologyError::InvalidRatio { field: "fabric.oversubscription", .. })
        ));
        // Rail-only ignores the ratio.
        let rail_only = DgxFabric::Rails { spines: 0, oversubscription: f64::NAN, pxn: false };
        assert!(dgx_cluster(&DgxClusterSpec::new(2, DGX_A100, rail_only)).is_ok());
    }
}
