//! Optical circuit-switched fabrics: GPUs whose optical I/O ports are patched by an optical circuit switch
//! (OCS) into a sequence of **configurations**, each a set of circuits (SiP-ML's SiP-OCS, Khani et al.,
//! SIGCOMM 2021; TopoOpt, Wang et al., NSDI 2023, which reconfigures its circuits between jobs).
//!
//! The engine's router must not see the platform change while a run goes on, so the platform holds the
//! **union** of every configuration's circuits, built once; a run sets a configuration by taking the other
//! circuits down (`sim_core::Router::set_link_up`, `sim_core::FlowNetwork::set_link_up`) and reconfigures with
//! `sim_core::ocs::reconfigure`. Each configuration must fit each GPU's optical ports on its own; the union
//! usually does not (a GPU cannot hold a ring's and a torus's circuits at once), and need not.

use std::collections::BTreeMap;

use sim_core::{BytesPerSec, ComputeDevice, LinkId, LinkSpec, Platform, SimDuration};

use crate::catalogue::OpticalIo;
use crate::direct::{direct_fabric, fabric_edges, DirectFabricSpec, FabricShape, Forwarding};
use crate::util::{at_least_one, positive_bandwidth};
use crate::{PlatformGraph, TopologyError};

/// An optical circuit-switched fabric of `gpus` GPUs and the configurations its OCS will hold.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitSwitchedSpec {
    /// Number of GPUs, ≥ 2; GPU `i` is host `gpu{i}`, [`sim_core::NodeId`] `i`.
    pub gpus: u32,
    /// The configurations, in the order a run sets them; each shape must have `gpus` GPUs.
    pub configurations: Vec<FabricShape>,
    /// The optical I/O of every GPU (chiplet model × chiplets per GPU).
    pub io: OpticalIo,
    /// Optical ports bundled into each circuit, ≥ 1; a circuit carries `ports_per_neighbor ·
    /// io.chiplet.port_rate` each way, as a cable of [`DirectFabricSpec`] does.
    pub ports_per_neighbor: u32,
    /// Propagation latency of each circuit [ps] (fibre to the OCS and back, ≈ 5 ns/m; the OCS adds no
    /// switching hop: light passes through).
    pub link_latency: SimDuration,
}

/// The platform of a [`CircuitSwitchedSpec`] and where each configuration's circuits are in it.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitSwitchedFabric {
    /// GPUs `gpu{i}` (hosts, forwarding, as [`Forwarding::Host`]) and one cable per distinct circuit of any
    /// configuration: cable `c` joins `circuits[c]` and gives links `2c` (first → second GPU) and `2c + 1`
    /// (back). Every link is up; a run takes down those not in its current configuration.
    pub platform: Platform,
    /// The distinct circuits of all configurations as GPU pairs, in order of first appearance: configuration
    /// 0's in [`fabric_edges`] order, then those configuration 1 adds, and so on.
    pub circuits: Vec<(u32, u32)>,
    /// For each configuration, the indices into `circuits` of the circuits it holds, ascending.
    pub configurations: Vec<Vec<usize>>,
}

impl CircuitSwitchedFabric {
    /// The links (both directions of each circuit) of configuration `k`, ascending.
    ///
    /// # Panics
    /// If there is no configuration `k`.
    pub fn links(&self, k: usize) -> Vec<LinkId> {
        self.configurations[k].iter().flat_map(|&c| [LinkId(2 * c as u32), LinkId(2 * c as u32 + 1)]).collect()
    }

    /// The circuits to tear down and to set up to go from configuration `from` to configuration `to`, as
    /// indices into `circuits`, ascending. Circuits held by both stay up and appear in neither list.
    ///
    /// # Panics
    /// If either configuration does not exist.
    pub fn changes(&self, from: usize, to: usize) -> (Vec<usize>, Vec<usize>) {
        let (a, b) = (&self.configurations[from], &self.configurations[to]);
        let tear_down = a.iter().copied().filter(|c| b.binary_search(c).is_err()).collect();
        let set_up = b.iter().copied().filter(|c| a.binary_search(c).is_err()).collect();
        (tear_down, set_up)
    }
}

/// Builds the platform of `spec`, every GPU with compute device `device`, and indexes each configuration's
/// circuits in it.
///
/// Each configuration is first checked as the direct fabric it is while the OCS holds it ([`direct_fabric`]
/// with [`Forwarding::Host`]): a valid shape of `spec.gpus` GPUs, within each GPU's optical ports, connected.
/// Then one cable per distinct circuit (unordered GPU pair) joins the GPUs, in the order of
/// [`CircuitSwitchedFabric::circuits`], each carrying `ports_per_neighbor · io.chiplet.port_rate` each way with
/// latency `link_latency`; every GPU is marked as forwarding.
///
/// # Errors
/// [`TopologyError::ZeroCount`] for no configuration, or `ports_per_neighbor` or `io.chiplets_per_gpu` = 0;
/// [`TopologyError::InvalidBandwidth`] for a zero port rate; [`TopologyError::InvalidValue`] (`gpus`) for fewer
/// than 2 GPUs; [`TopologyError::InConfiguration`] wrapping what [`direct_fabric`] finds wrong with a configuration
/// (its index, from 0), including [`TopologyError::NotEnoughPorts`] and [`TopologyError::Disconnected`], or an
/// [`TopologyError::InvalidValue`] (`shape`) for a shape of another number of GPUs.
///
/// # Complexity
/// Time **O(K · E log E)** for `K` configurations of `E` circuits each.
pub fn circuit_switched_fabric(
    spec: &CircuitSwitchedSpec,
    device: &ComputeDevice,
) -> Result<CircuitSwitchedFabric, TopologyError> {
    if spec.configurations.is_empty() {
        return Err(TopologyError::ZeroCount { field: "configurations", value: 0 });
    }
    at_least_one("ports_per_neighbor", spec.ports_per_neighbor)?;
    at_least_one("io.chiplets_per_gpu", spec.io.chiplets_per_gpu)?;
    positive_bandwidth("io.chiplet.port_rate", spec.io.chiplet.port_rate)?;
    if spec.gpus < 2 {
        return Err(TopologyError::InvalidValue {
            field: "gpus",
            value: spec.gpus.into(),
            reason: "a fabric needs at least 2 GPUs",
        });
    }
    let mut index: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    let mut circuits = Vec::new();
    let mut configurations = Vec::with_capacity(spec.configurations.len());
    for (k, shape) in spec.configurations.iter().enumerate() {
        let wrap = |e: TopologyError| TopologyError::InConfiguration { configuration: k, source: Box::new(e) };
        if shape.gpus() != u64::from(spec.gpus) {
            return Err(wrap(TopologyError::InvalidValue {
                field: "shape",
                value: shape.gpus(),
                reason: "the configuration's GPU count differs from the fabric's",
            }));
        }
        let alone = DirectFabricSpec {
            shape: shape.clone(),
            io: spec.io.clone(),
            ports_per_neighbor: spec.ports_per_neighbor,
            link_latency: spec.link_latency,
            forwarding: Forwarding::Host,
        };
        direct_fabric(&alone, device).map_err(wrap)?;
        let mut held: Vec<usize> = fabric_edges(shape)
            .map_err(wrap)?
            .into_iter()
            .map(|(a, b)| {
                *index.entry((a.min(b), a.max(b))).or_insert_with(|| {
                    circuits.push((a, b));
                    circuits.len() - 1
                })
            })
            .collect();
        held.sort_unstable();
        configurations.push(held);
    }
    // Every configuration passed `direct_fabric`, so the rate fits and the first configuration alone
    // connects every GPU.
    let cable =
        LinkSpec::new(BytesPerSec(u64::from(spec.ports_per_neighbor) * spec.io.chiplet.port_rate.0), spec.link_latency);
    let mut g = PlatformGraph::new();
    let gpus: Vec<_> = (0..spec.gpus).map(|i| g.add_host(format!("gpu{i}"), device.clone(), 0)).collect();
    for &(a, b) in &circuits {
        g.connect(gpus[a as usize], gpus[b as usize], cable.clone());
    }
    let mut platform = g.into_platform()?;
    for gpu in platform.hosts() {
        platform.set_forwarding(gpu, true);
    }
    Ok(CircuitSwitchedFabric { platform, circuits, configurations })
}

#[cfg(test)]
mod tests {
    use sim_core::{NodeId, Router};

    use super::*;
    use crate::catalogue::{H100_SXM5, TERAPHY};
    use crate::direct::PermutationSource;

    fn spec(configurations: Vec<FabricShape>, chiplets: u32, ports_per_neighbor: u32) -> CircuitSwitchedSpec {
        CircuitSwitchedSpec {
            gpus: 16,
            configurations,
            io: OpticalIo { chiplet: TERAPHY, chiplets_per_gpu: chiplets },
            ports_per_neighbor,
            link_latency: SimDuration::from_ns(25),
        }
    }

    /// System: 16 GPUs, a ring then a 4 × 4 torus. The ring's circuits i ↔ i+1 and the torus's row circuits
    /// share 12 pairs (0–1, 1–2, 2–3, 4–5, …); the ring's 3–4, 7–8, 11–12, 15–0 are ring-only; the torus adds
    /// 4 row wrap-arounds (3–0, …) and 16 column circuits.
    /// Expectation: 16 + 20 distinct circuits; going ring → torus tears down 4 and sets up 20.
    #[test]
    fn the_union_holds_each_distinct_circuit_once() {
        let f = circuit_switched_fabric(
            &spec(vec![FabricShape::Ring { gpus: 16 }, FabricShape::Torus2d { x: 4, y: 4 }], 1, 1),
            &H100_SXM5.device,
        )
        .unwrap();
        assert_eq!(f.circuits.len(), 36);
        assert_eq!(f.platform.links.len(), 72);
        assert_eq!(f.circuits[..3], [(0, 1), (1, 2), (2, 3)]);
        assert_eq!(f.configurations[0], (0..16).collect::<Vec<_>>());
        assert_eq!(f.configurations[1].len(), 32);
        let (down, up) = f.changes(0, 1);
        let pairs = |cs: &[usize]| cs.iter().map(|&c| f.circuits[c]).collect::<Vec<_>>();
        assert_eq!(pairs(&down), [(3, 4), (7, 8), (11, 12), (15, 0)]);
        assert_eq!(up.len(), 20);
        assert_eq!(f.changes(1, 0), (up, down));
        assert_eq!(f.changes(1, 1), (vec![], vec![]));
        assert_eq!(f.links(0)[..4], [LinkId(0), LinkId(1), LinkId(2), LinkId(3)]);
        // Cable c is links 2c and 2c + 1 between the circuit's GPUs.
        for (c, &(a, b)) in f.circuits.iter().enumerate() {
            assert_eq!((f.platform.links[2 * c].src, f.platform.links[2 * c].dst), (NodeId(a), NodeId(b)));
            assert_eq!((f.platform.links[2 * c + 1].src, f.platform.links[2 * c + 1].dst), (NodeId(b), NodeId(a)));
        }
        assert!(f.platform.nodes.iter().all(|n| n.forwards));
    }

    /// System: one TeraPHY per GPU (8 ports), 4 ports per circuit: a ring (2 neighbours, 8 ports) then a
    /// torus (4 neighbours, 16 ports). Expectation: the torus configuration is rejected on its own (index 1);
    /// with 2 chiplets (16 ports) both fit although GPU 0 has 5 distinct neighbours in the union (20 ports).
    #[test]
    fn ports_are_checked_per_configuration_not_on_the_union() {
        let shapes = vec![FabricShape::Ring { gpus: 16 }, FabricShape::Torus2d { x: 4, y: 4 }];
        let err = circuit_switched_fabric(&spec(shapes.clone(), 1, 4), &H100_SXM5.device).unwrap_err();
        assert_eq!(
            err,
            TopologyError::InConfiguration {
                configuration: 1,
                source: Box::new(TopologyError::NotEnoughPorts {
                    gpu: 0,
                    degree: 4,
                    ports_per_neighbor: 4,
                    needed: 16,
                    available: 8
                }),
            }
        );
        assert!(err.to_string().starts_with("configuration 1: GPU 0 needs 16 optical ports"), "{err}");
        let f = circuit_switched_fabric(&spec(shapes, 2, 4), &H100_SXM5.device).unwrap();
        assert_eq!(f.platform.out_links[0].len(), 5);
        assert!(f.platform.links.iter().all(|l| l.bandwidth == BytesPerSec(64_000_000_000)));
    }

    #[test]
    fn bad_configurations_name_their_index() {
        let ring = FabricShape::Ring { gpus: 16 };
        let split = FabricShape::Permutations { gpus: 16, degree: 2, source: PermutationSource::Shifts(vec![2]) };
        let err = circuit_switched_fabric(&spec(vec![ring.clone(), split], 1, 1), &H100_SXM5.device).unwrap_err();
        assert!(matches!(&err, TopologyError::InConfiguration { configuration: 1, source }
            if matches!(**source, TopologyError::Disconnected { components: 2 })));
        let other = FabricShape::Ring { gpus: 8 };
        let err = circuit_switched_fabric(&spec(vec![other], 1, 1), &H100_SXM5.device).unwrap_err();
        assert!(matches!(&err, TopologyError::InConfiguration { configuration: 0, source }
            if matches!(**source, TopologyError::InvalidValue { field: "shape", value: 8, .. })));
        assert_eq!(
            circuit_switched_fabric(&spec(vec![], 1, 1), &H100_SXM5.device),
            Err(TopologyError::ZeroCount { field: "configurations", value: 0 })
        );
        assert_eq!(
            circuit_switched_fabric(&spec(vec![FabricShape::Ring { gpus: 16 }], 0, 1), &H100_SXM5.device),
            Err(TopologyError::ZeroCount { field: "io.chiplets_per_gpu", value: 0 }),
            "a platform field, not blamed on a configuration"
        );
    }

    /// System: ring then shift-3 circuits (disjoint), with the shift-3 circuits taken down in the router.
    /// Expectation: routes follow the ring only (0 → 2 in 2 hops); with the ring down and shift-3 up, 0 → 3
    /// is one hop.
    #[test]
    fn routes_follow_the_configuration_that_is_up() {
        let shift3 = FabricShape::Permutations { gpus: 16, degree: 2, source: PermutationSource::Shifts(vec![3]) };
        let f = circuit_switched_fabric(&spec(vec![FabricShape::Ring { gpus: 16 }, shift3], 1, 1), &H100_SXM5.device)
            .unwrap();
        assert_eq!(f.changes(0, 1).0.len(), 16, "no circuit in common");
        let mut r = Router::new(&f.platform);
        for l in f.links(1) {
            r.set_link_up(l, false);
        }
        assert_eq!(r.route(&f.platform, NodeId(0), NodeId(2), 0).unwrap().links.len(), 2);
        assert_eq!(r.route(&f.platform, NodeId(0), NodeId(3), 0).unwrap().links.len(), 3);
        for l in f.links(1) {
            r.set_link_up(l, true);
        }
        for l in f.links(0) {
            r.set_link_up(l, false);
        }
        assert_eq!(r.route(&f.platform, NodeId(0), NodeId(3), 0).unwrap().links.len(), 1);
    }
}
