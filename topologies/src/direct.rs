//! Optical direct-connect fabrics: GPUs wired to GPUs through the ports of their optical I/O chiplets, with
//! no packet switch in between (SiP-ML, Khani et al., SIGCOMM 2021; TopoOpt, Wang et al., NSDI 2023).
//!
//! A fabric is a **shape** (which GPU pairs are joined: ring, 2D or 3D torus, `d/2` permutations, or a
//! hand-given circuit list such as an optical circuit switch's current configuration) plus the **optical I/O**
//! of each GPU ([`OpticalIo`]: chiplets × ports × port rate). Each joined pair is one cable using
//! `ports_per_neighbor` ports at each end; a GPU's neighbours × `ports_per_neighbor` must fit in its ports.
//!
//! # Forwarding (and what `sim_core` lacks)
//! On a direct-connect fabric, traffic between GPUs that are not neighbours must be forwarded by the GPUs
//! (or their NICs / chiplets) on the way: TopoOpt's prototype forwards RDMA traffic in the hosts. `sim_core`'s
//! router only forwards through [`sim_core::NodeKind::Switch`] nodes; a host ends every route. Until it can
//! forward through hosts, [`Forwarding`] offers two models:
//! - [`Forwarding::IoNode`] (routable today): each GPU gets a forwarding node `gpu{i}/io` (a switch with
//!   the given hop latency) standing for its chiplets; the fabric joins the I/O nodes, and the GPU reaches its
//!   I/O node by one cable of the full optical bandwidth. Transit traffic crosses I/O nodes, not GPUs, so it
//!   uses no GPU-side bandwidth (true of NIC/chiplet forwarding, optimistic for store-and-forward through GPU
//!   memory).
//! - [`Forwarding::Host`] (exact): the fabric joins the GPU hosts directly and every GPU is marked as
//!   forwarding (`Platform::set_forwarding`), so a flow between non-neighbours is relayed by intermediate
//!   GPUs and shares their optical ports with their own traffic. Relaying adds no latency beyond the cables'
//!   (sim-core has no per-host forwarding latency yet).

use std::collections::BTreeSet;

use rand::RngCore;
use sim_core::rng::{stream, StreamKind};
use sim_core::{BytesPerSec, ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::catalogue::OpticalIo;
use crate::util::{at_least_one, check_size, positive_bandwidth};
use crate::{PlatformGraph, TopologyError};

/// Hop latency of a GPU's I/O forwarding node in [`Forwarding::IoNode`]: 300 ns. **[assumption]**: the
/// same as an NDR InfiniBand switch hop (REFERENCE.md §8 engineering default); no figure for forwarding in an
/// optical chiplet or NIC was read.
pub const DEFAULT_FORWARDING_LATENCY: SimDuration = SimDuration::from_ns(300);

/// Repair steps (2-opt moves) per GPU that [`PermutationSource::Random`] may spend on one permutation before it gives up
/// with [`TopologyError::NoSimpleFabric`] (the budget for a permutation of `n` GPUs is this times `n`).
pub const RANDOM_FABRIC_REPAIRS_PER_GPU: u32 = 1_000;

/// First stream index of [`PermutationSource::Random`]: permutation `c` draws from
/// `sim_core::rng::stream(seed, StreamKind::Ecmp, RANDOM_STREAM_BASE + c)`. `sim_core` has no stream kind for
/// topologies; `Ecmp` (path choice, unused by the router, which hashes) is the closest, and the high indices
/// keep clear of any per-switch ECMP stream.
pub const RANDOM_STREAM_BASE: u32 = 1 << 31;

/// Which GPU pairs a direct-connect fabric joins. GPUs are numbered `0 .. gpus()`.
#[derive(Clone, Debug, PartialEq)]
pub enum FabricShape {
    /// A ring: GPU `i` ↔ `i + 1 mod gpus`. Degree 2, diameter `⌊gpus/2⌋`. `gpus ≥ 3`.
    Ring {
        /// Number of GPUs, ≥ 3.
        gpus: u32,
    },
    /// A 2D torus of `x · y` GPUs; GPU `(a, b)` has index `a + x·b` and is joined to `(a ± 1 mod x, b)` and
    /// `(a, b ± 1 mod y)`. Degree 4, diameter `⌊x/2⌋ + ⌊y/2⌋`. Sides ≥ 3.
    Torus2d {
        /// Side along the fastest-varying coordinate, ≥ 3.
        x: u32,
        /// Second side, ≥ 3.
        y: u32,
    },
    /// A 3D torus of `x · y · z` GPUs; GPU `(a, b, c)` has index `a + x·(b + y·c)`. Degree 6, diameter
    /// `⌊x/2⌋ + ⌊y/2⌋ + ⌊z/2⌋`. Sides ≥ 3.
    Torus3d {
        /// Side along the fastest-varying coordinate, ≥ 3.
        x: u32,
        /// Second side, ≥ 3.
        y: u32,
        /// Third side, ≥ 3.
        z: u32,
    },
    /// A `degree`-regular fabric that is the union of `degree/2` edge-disjoint 2-regular graphs, each from a
    /// permutation: a random Hamiltonian cycle per permutation ([`PermutationSource::Random`], SiP-ML's and
    /// TopoOpt's "random" baseline), or the circulant `i ↔ i + s` per shift ([`PermutationSource::Shifts`];
    /// shifts coprime with `gpus` are TopoOpt-style rings, see [`coprime_shifts`]).
    Permutations {
        /// Number of GPUs, ≥ 3.
        gpus: u32,
        /// Degree `d`: even, `2 ≤ d ≤ gpus − 1`.
        degree: u32,
        /// Where the `d/2` permutations come from.
        source: PermutationSource,
    },
    /// Explicit circuits, e.g. the configuration an optical circuit switch currently holds (one cable per
    /// circuit; an OCS adds no switching hop). Pairs are unordered and must be distinct.
    Circuits {
        /// Number of GPUs, ≥ 2.
        gpus: u32,
        /// GPU pairs `(a, b)`, `a ≠ b`, both `< gpus`.
        circuits: Vec<(u32, u32)>,
    },
}

/// The permutations of a [`FabricShape::Permutations`] fabric.
#[derive(Clone, Debug, PartialEq)]
pub enum PermutationSource {
    /// `degree/2` random Hamiltonian cycles, edge-disjoint, each from its own seeded stream (see
    /// [`RANDOM_STREAM_BASE`]). Each starts as a uniformly random permutation (Fisher–Yates with unbiased
    /// bounded draws from the raw ChaCha8 output, so it depends only on the seed); while its cycle repeats a
    /// cable of an earlier one, a min-conflicts local search of 2-opt moves repairs it (at most
    /// [`RANDOM_FABRIC_REPAIRS_PER_GPU`] · `gpus` steps). The repair makes the result random but not exactly
    /// uniform over edge-disjoint cycle sets, and a degree close to `gpus − 1` may fail
    /// ([`TopologyError::NoSimpleFabric`]; the earlier cycles can leave no Hamiltonian cycle for the last).
    Random {
        /// The seed (e.g. the scenario seed).
        seed: u64,
    },
    /// Fixed shifts `s` (`1 ≤ s < gpus`, `2s ≠ gpus`; `s` and `gpus − s` count as the same): shift `s` joins
    /// GPU `i` to `i + s mod gpus` for every `i`. Exactly `degree/2` of them.
    Shifts(Vec<u32>),
}

/// How traffic between non-neighbours crosses intermediate GPUs; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub enum Forwarding {
    /// A forwarding node per GPU (routable in today's `sim_core`).
    IoNode {
        /// Forwarding latency of each I/O node traversal [ps]; see [`DEFAULT_FORWARDING_LATENCY`].
        hop_latency: SimDuration,
    },
    /// Cables join GPU hosts directly and the GPUs forward (relayed flows share their ports).
    Host,
}

/// An optical direct-connect fabric.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectFabricSpec {
    /// Which GPUs are joined.
    pub shape: FabricShape,
    /// The optical I/O of every GPU (chiplet model × chiplets per GPU).
    pub io: OpticalIo,
    /// Optical ports bundled into each neighbour cable, ≥ 1; the cable carries
    /// `ports_per_neighbor · io.chiplet.port_rate` each way (striping a flow over the bundled ports).
    pub ports_per_neighbor: u32,
    /// Propagation latency of each fabric cable [ps] (fibre at ≈ 5 ns/m).
    pub link_latency: SimDuration,
    /// Forwarding model.
    pub forwarding: Forwarding,
}

impl FabricShape {
    /// Number of GPUs.
    pub fn gpus(&self) -> u64 {
        match *self {
            FabricShape::Ring { gpus }
            | FabricShape::Permutations { gpus, .. }
            | FabricShape::Circuits { gpus, .. } => gpus.into(),
            FabricShape::Torus2d { x, y } => u64::from(x) * u64::from(y),
            FabricShape::Torus3d { x, y, z } => u64::from(x) * u64::from(y) * u64::from(z),
        }
    }
}

/// The first `count` shifts `s` in `1 ..= (gpus − 1)/2` with `gcd(s, gpus) = 1`, ascending: each gives a
/// Hamiltonian ring, and together they are a [`PermutationSource::Shifts`] for degree `2 · count` (fewer if
/// `gpus` has fewer such shifts; then the builder reports the shortfall). TopoOpt's TotientPerms picks ring
/// step sizes coprime with `n` [R, REFERENCE.md §7.2]; this is the simplest such choice, not its search.
pub fn coprime_shifts(gpus: u32, count: u32) -> Vec<u32> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    (1..=gpus.saturating_sub(1) / 2).filter(|&s| gcd(s, gpus) == 1).take(count as usize).collect()
}

fn invalid(field: &'static str, value: impl Into<u64>, reason: &'static str) -> TopologyError {
    TopologyError::InvalidValue { field, value: value.into(), reason }
}

/// The cables of `shape` as GPU index pairs, in the order [`direct_fabric`] builds them. Every pair is
/// distinct (unordered) and joins two different GPUs.
///
/// Order: ring — `(i, i+1 mod n)` for `i` ascending; torus — for each GPU in index order, its `+x`, then `+y`
/// (then `+z`) neighbour; permutations — permutation by permutation, cycle `(σ(i), σ(i+1 mod n))` for `i`
/// ascending (shifts: `σ = identity`, pairs `(i, i+s mod n)`); circuits — as given.
///
/// # Errors
/// [`TopologyError::InvalidValue`] for sides, GPU counts or degrees out of range and bad shifts;
/// [`TopologyError::InvalidCircuit`] for an out-of-range, self or repeated circuit;
/// [`TopologyError::NoSimpleFabric`] if random cycles keep colliding; [`TopologyError::TooLarge`] beyond
/// [`crate::MAX_NODES`] GPUs or [`crate::MAX_LINKS`] links, checked before any cable is made.
///
/// # Complexity
/// Time **O(E log E)** for `E` cables (duplicate checks in a `BTreeSet`); random fabrics redraw a colliding
/// cycle, `O(n)` per draw.
pub fn fabric_edges(shape: &FabricShape) -> Result<Vec<(u32, u32)>, TopologyError> {
    let gpus = shape.gpus();
    // Cables the shape makes (two links each); GPUs ≤ 2^20 keep the products within u64.
    let cables = |gpus: u64| match shape {
        FabricShape::Ring { .. } => gpus,
        FabricShape::Torus2d { .. } => 2 * gpus,
        FabricShape::Torus3d { .. } => 3 * gpus,
        FabricShape::Permutations { degree, .. } => gpus * u64::from(degree / 2),
        FabricShape::Circuits { circuits, .. } => circuits.len() as u64,
    };
    if gpus > crate::MAX_NODES || 2 * cables(gpus) > crate::MAX_LINKS {
        return Err(TopologyError::TooLarge { field: "shape", value: gpus });
    }
    match shape {
        &FabricShape::Ring { gpus } => {
            if gpus < 3 {
                return Err(invalid("shape.gpus", gpus, "a ring needs at least 3 GPUs"));
            }
            Ok((0..gpus).map(|i| (i, (i + 1) % gpus)).collect())
        }
        &FabricShape::Torus2d { x, y } => torus(&[("shape.x", x), ("shape.y", y)]),
        &FabricShape::Torus3d { x, y, z } => torus(&[("shape.x", x), ("shape.y", y), ("shape.z", z)]),
        FabricShape::Permutations { gpus, degree, source } => permutations(*gpus, *degree, source),
        FabricShape::Circuits { gpus, circuits } => {
            if *gpus < 2 {
                return Err(invalid("shape.gpus", *gpus, "a fabric needs at least 2 GPUs"));
            }
            let mut seen = BTreeSet::new();
            for (index, &(a, b)) in circuits.iter().enumerate() {
                let bad = |reason| Err(TopologyError::InvalidCircuit { index, a, b, reason });
                if a >= *gpus || b >= *gpus {
                    return bad("GPU index out of range");
                }
                if a == b {
                    return bad("a circuit must join two different GPUs");
                }
                if !seen.insert((a.min(b), a.max(b))) {
                    return bad("repeats an earlier circuit");
                }
            }
            Ok(circuits.clone())
        }
    }
}

fn torus(sides: &[(&'static str, u32)]) -> Result<Vec<(u32, u32)>, TopologyError> {
    for &(field, side) in sides {
        if side < 3 {
            return Err(invalid(field, side, "a torus side must be at least 3 (use a ring for fewer dimensions)"));
        }
    }
    let n: u32 = sides.iter().map(|s| s.1).product();
    let mut edges = Vec::with_capacity(n as usize * sides.len());
    for i in 0..n {
        let mut stride = 1;
        for &(_, side) in sides {
            let coord = (i / stride) % side;
            let next = i - coord * stride + ((coord + 1) % side) * stride;
            edges.push((i, next));
            stride *= side;
        }
    }
    Ok(edges)
}

fn permutations(gpus: u32, degree: u32, source: &PermutationSource) -> Result<Vec<(u32, u32)>, TopologyError> {
    if gpus < 3 {
        return Err(invalid("shape.gpus", gpus, "a permutation fabric needs at least 3 GPUs"));
    }
    if degree < 2 || degree % 2 == 1 || degree >= gpus {
        return Err(invalid("shape.degree", degree, "must be even, at least 2 and below the number of GPUs"));
    }
    let cycles = degree / 2;
    let mut used = BTreeSet::new();
    let mut edges = Vec::with_capacity(gpus as usize * cycles as usize);
    match source {
        PermutationSource::Shifts(shifts) => {
            if shifts.len() != cycles as usize {
                return Err(invalid("shape.source.shifts", shifts.len() as u64, "needs exactly degree/2 shifts"));
            }
            let mut seen = BTreeSet::new();
            for &s in shifts {
                if s == 0 || s >= gpus || 2 * u64::from(s) == u64::from(gpus) {
                    return Err(invalid("shape.source.shifts", s, "a shift needs 1 ≤ s < gpus and 2s ≠ gpus"));
                }
                if !seen.insert(s.min(gpus - s)) {
                    return Err(invalid("shape.source.shifts", s, "repeats another shift (s and gpus − s are one)"));
                }
                edges.extend((0..gpus).map(|i| (i, (i + s) % gpus)));
            }
        }
        &PermutationSource::Random { seed } => {
            for c in 0..cycles {
                let mut rng = stream(seed, StreamKind::Ecmp, RANDOM_STREAM_BASE + c);
                let budget = u64::from(RANDOM_FABRIC_REPAIRS_PER_GPU) * u64::from(gpus);
                let cycle = random_cycle_avoiding(&mut rng, gpus, &used, budget)
                    .ok_or(TopologyError::NoSimpleFabric { gpus, degree, seed, cycle: c, repairs: budget })?;
                used.extend(cycle.iter().map(|&(a, b)| (a.min(b), a.max(b))));
                edges.extend(cycle);
            }
        }
    }
    Ok(edges)
}

/// A Hamiltonian cycle `σ(0) → σ(1) → … → σ(n−1) → σ(0)` that uses no cable of `used` (pairs stored as
/// `(min, max)`), or `None` after `budget` repair steps.
///
/// `σ` starts uniformly random. A repair step is a 2-opt move: take a conflicting cable (the first at or after
/// a random position), reverse the stretch of the cycle after it up to a random position, and keep the move
/// only if the number of conflicting cables does not grow (min-conflicts local search, sideways moves
/// allowed).
fn random_cycle_avoiding(
    rng: &mut impl RngCore,
    n: u32,
    used: &BTreeSet<(u32, u32)>,
    budget: u64,
) -> Option<Vec<(u32, u32)>> {
    let n = n as usize;
    let mut perm: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        perm.swap(i, below(rng, i as u64 + 1) as usize);
    }
    let clash = |a: u32, b: u32| used.contains(&(a.min(b), a.max(b)));
    // Cable `k` joins positions `k` and `k + 1 mod n`.
    let mut conflict: Vec<bool> = (0..n).map(|k| clash(perm[k], perm[(k + 1) % n])).collect();
    let mut conflicts = conflict.iter().filter(|&&c| c).count();
    let mut steps = 0;
    while conflicts > 0 {
        // n ≥ 4 here: with 3 GPUs there is one cycle, and nothing to avoid.
        if steps == budget {
            return None;
        }
        steps += 1;
        let from = below(rng, n as u64) as usize;
        let i = (0..n).map(|o| (from + o) % n).find(|&k| conflict[k]).expect("a conflict exists");
        // Reverse positions i+1 ..= j (cyclically), 2 ≤ len ≤ n − 2: cables i and j become
        // (σ(i), σ(j)) and (σ(i+1), σ(j+1)); the cables inside keep their pairs.
        let len = 2 + below(rng, n as u64 - 3) as usize;
        let j = (i + len) % n;
        let old = usize::from(conflict[i]) + usize::from(conflict[j]);
        let new = usize::from(clash(perm[i], perm[j])) + usize::from(clash(perm[(i + 1) % n], perm[(j + 1) % n]));
        if new > old {
            continue;
        }
        for t in 0..len / 2 {
            perm.swap((i + 1 + t) % n, (i + len - t) % n);
        }
        for t in 0..=len {
            let k = (i + t) % n;
            let c = clash(perm[k], perm[(k + 1) % n]);
            conflicts = conflicts + usize::from(c) - usize::from(conflict[k]);
            conflict[k] = c;
        }
    }
    Some((0..n).map(|i| (perm[i], perm[(i + 1) % n])).collect())
}

/// A uniform draw from `0 .. bound` (`bound ≥ 1`) by rejection from raw 64-bit outputs.
fn below(rng: &mut impl RngCore, bound: u64) -> u64 {
    // 2^64 − threshold is a multiple of `bound`, so accepted values are uniform modulo `bound`.
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let x = rng.next_u64();
        if x >= threshold {
            return x % bound;
        }
    }
}

/// Builds the direct-connect fabric of `spec`, every GPU with compute device `device`. All nodes are site 0.
/// Let `n` be the number of GPUs and `E` the cables of [`fabric_edges`] in its order.
///
/// Nodes: hosts `gpu{i}` = [`sim_core::NodeId`] `i` (index as in [`FabricShape`]); with
/// [`Forwarding::IoNode`], then switches `gpu{i}/io` = id `n + i` with the given hop latency.
///
/// Cables, in link order (cable `c` gives links `2c` = first → second endpoint, `2c + 1` back):
/// - [`Forwarding::IoNode`]: first `gpu{i}` ↔ `gpu{i}/io` for `i` ascending, at the GPU's whole optical
///   rate `io.bandwidth()`, latency 0; then cable `n + e` joins the I/O nodes of the `e`-th pair of `E`;
/// - [`Forwarding::Host`]: cable `e` joins the GPUs of the `e`-th pair of `E`.
///
/// Fabric cables carry `ports_per_neighbor · io.chiplet.port_rate` each way with latency `link_latency`.
///
/// # Errors
/// As [`fabric_edges`]; [`TopologyError::ZeroCount`] for `ports_per_neighbor` or `io.chiplets_per_gpu` = 0;
/// [`TopologyError::InvalidBandwidth`] for a zero port rate; [`TopologyError::NotEnoughPorts`] when a GPU's
/// neighbours × `ports_per_neighbor` exceed `io.ports()`; [`TopologyError::Disconnected`] for circuits or
/// shifts that leave the fabric in pieces.
pub fn direct_fabric(spec: &DirectFabricSpec, device: &ComputeDevice) -> Result<Platform, TopologyError> {
    at_least_one("ports_per_neighbor", spec.ports_per_neighbor)?;
    at_least_one("io.chiplets_per_gpu", spec.io.chiplets_per_gpu)?;
    positive_bandwidth("io.chiplet.port_rate", spec.io.chiplet.port_rate)?;
    let edges = fabric_edges(&spec.shape)?;
    let n = spec.shape.gpus();
    let mut degrees = vec![0u64; n as usize];
    for &(a, b) in &edges {
        degrees[a as usize] += 1;
        degrees[b as usize] += 1;
    }
    let available = spec.io.ports();
    let ppn = spec.ports_per_neighbor;
    if let Some((gpu, &degree)) = degrees.iter().enumerate().find(|(_, &d)| d * u64::from(ppn) > available) {
        return Err(TopologyError::NotEnoughPorts {
            gpu: gpu as u32,
            degree,
            ports_per_neighbor: ppn,
            needed: degree * u64::from(ppn),
            available,
        });
    }
    let io_nodes = matches!(spec.forwarding, Forwarding::IoNode { .. });
    let extra = if io_nodes { u128::from(n) } else { 0 };
    check_size(u128::from(n) + extra, edges.len() as u128 + extra, "shape", n)?;
    let cable_bw = u64::from(ppn).checked_mul(spec.io.chiplet.port_rate.0).ok_or(TopologyError::InvalidBandwidth {
        field: "ports_per_neighbor",
        value: f64::from(ppn) * spec.io.chiplet.port_rate.0 as f64,
    })?;
    let io_bw = available.checked_mul(spec.io.chiplet.port_rate.0).ok_or(TopologyError::InvalidBandwidth {
        field: "io.bandwidth",
        value: available as f64 * spec.io.chiplet.port_rate.0 as f64,
    })?;
    let cable = LinkSpec::new(BytesPerSec(cable_bw), spec.link_latency);

    let mut g = PlatformGraph::new();
    let gpus: Vec<_> = (0..n).map(|i| g.add_host(format!("gpu{i}"), device.clone(), 0)).collect();
    let ends = match spec.forwarding {
        Forwarding::IoNode { hop_latency } => {
            let ios: Vec<_> = (0..n).map(|i| g.add_switch(format!("gpu{i}/io"), hop_latency, 0)).collect();
            for (&gpu, &io) in gpus.iter().zip(&ios) {
                g.connect(gpu, io, LinkSpec::new(BytesPerSec(io_bw), SimDuration::ZERO));
            }
            ios
        }
        Forwarding::Host => gpus,
    };
    for &(a, b) in &edges {
        g.connect(ends[a as usize], ends[b as usize], cable.clone());
    }
    let mut platform = g.into_platform()?;
    if spec.forwarding == Forwarding::Host {
        for gpu in platform.hosts() {
            platform.set_forwarding(gpu, true);
        }
    }
    Ok(platform)
}

#[cfg(test)]
mod tests {
    use sim_core::{NodeId, Router};

    use super::*;
    use crate::catalogue::{H100_SXM5, TERAPHY};
    use crate::test_util::{assert_all_routable, bfs_any_forwarding, route_links};

    fn spec(shape: FabricShape, chiplets: u32, forwarding: Forwarding) -> DirectFabricSpec {
        DirectFabricSpec {
            shape,
            io: OpticalIo { chiplet: TERAPHY, chiplets_per_gpu: chiplets },
            ports_per_neighbor: 1,
            link_latency: SimDuration::from_ns(10),
            forwarding,
        }
    }

    fn io_node() -> Forwarding {
        Forwarding::IoNode { hop_latency: DEFAULT_FORWARDING_LATENCY }
    }

    /// GPU degrees (fabric cables per GPU) and the fabric's diameter in hops, from a `Forwarding::Host`
    /// platform, forwarding through every node.
    fn degrees_and_diameter(shape: FabricShape, chiplets: u32) -> (Vec<usize>, u32) {
        let p = direct_fabric(&spec(shape, chiplets, Forwarding::Host), &H100_SXM5.device).unwrap();
        assert_eq!(p.hosts().len(), p.nodes.len(), "Host forwarding adds no switch");
        let degrees = (0..p.nodes.len()).map(|i| p.out_links[i].len()).collect();
        let diameter = p.hosts().iter().map(|&h| *bfs_any_forwarding(&p, h).iter().max().unwrap()).max().unwrap();
        (degrees, diameter)
    }

    #[test]
    fn ring_structure() {
        for n in [3u32, 4, 7, 16] {
            let (deg, diam) = degrees_and_diameter(FabricShape::Ring { gpus: n }, 1);
            assert!(deg.iter().all(|&d| d == 2), "n={n}");
            assert_eq!(diam, n / 2, "n={n}");
        }
        assert_eq!(fabric_edges(&FabricShape::Ring { gpus: 4 }), Ok(vec![(0, 1), (1, 2), (2, 3), (3, 0)]));
    }

    #[test]
    fn torus_structure() {
        let (deg, diam) = degrees_and_diameter(FabricShape::Torus2d { x: 4, y: 5 }, 1);
        assert_eq!(deg.len(), 20);
        assert!(deg.iter().all(|&d| d == 4));
        assert_eq!(diam, 2 + 2);
        assert_eq!(fabric_edges(&FabricShape::Torus2d { x: 4, y: 5 }).unwrap().len(), 40);
        let (deg, diam) = degrees_and_diameter(FabricShape::Torus3d { x: 3, y: 4, z: 5 }, 1);
        assert_eq!(deg.len(), 60);
        assert!(deg.iter().all(|&d| d == 6));
        assert_eq!(diam, 1 + 2 + 2);
        // (a, b) = (3, 1) is index 3 + 4·1 = 7: +x wraps to (0, 1) = 4, +y goes to (3, 2) = 11.
        let e = fabric_edges(&FabricShape::Torus2d { x: 4, y: 5 }).unwrap();
        assert_eq!((e[14], e[15]), ((7, 4), (7, 11)));
        assert!(matches!(
            fabric_edges(&FabricShape::Torus3d { x: 3, y: 2, z: 3 }),
            Err(TopologyError::InvalidValue { field: "shape.y", value: 2, .. })
        ));
    }

    #[test]
    fn permutation_fabrics_are_regular() {
        for d in [2u32, 4, 6, 8] {
            let shape =
                FabricShape::Permutations { gpus: 32, degree: d, source: PermutationSource::Random { seed: 7 } };
            let edges = fabric_edges(&shape).unwrap();
            assert_eq!(edges.len(), 32 * d as usize / 2);
            let (deg, diam) = degrees_and_diameter(shape, 1);
            assert!(deg.iter().all(|&x| x == d as usize), "d={d}: {deg:?}");
            assert!(diam <= 16, "a Hamiltonian cycle bounds the diameter by n/2");
        }
        let shifts = coprime_shifts(32, 3);
        assert_eq!(shifts, [1, 3, 5]);
        let shape = FabricShape::Permutations { gpus: 32, degree: 6, source: PermutationSource::Shifts(shifts) };
        let (deg, diam) = degrees_and_diameter(shape, 1);
        assert!(deg.iter().all(|&x| x == 6));
        // Circulant C32(1, 3, 5): 5 + 5 + 5 + 1 = 16 = 31 − 15 reached in 4 hops; diameter by BFS is 4.
        assert_eq!(diam, 4);
    }

    #[test]
    fn random_fabrics_depend_only_on_the_seed() {
        let shape =
            |seed| FabricShape::Permutations { gpus: 24, degree: 4, source: PermutationSource::Random { seed } };
        assert_eq!(fabric_edges(&shape(1)), fabric_edges(&shape(1)));
        assert_ne!(fabric_edges(&shape(1)), fabric_edges(&shape(2)));
        // A complete graph K5 is 4-regular and the only simple one: two edge-disjoint Hamiltonian cycles.
        let k5 = FabricShape::Permutations { gpus: 5, degree: 4, source: PermutationSource::Random { seed: 3 } };
        assert_eq!(fabric_edges(&k5).unwrap().len(), 10);
        // Pinned so that a change of the drawing procedure shows up here.
        let first = fabric_edges(&shape(1)).unwrap();
        assert_eq!(first[..6], [(16, 10), (10, 7), (7, 21), (21, 1), (1, 2), (2, 3)]);
        // Dense and large fabrics are found too.
        for (gpus, degree) in [(16, 12), (16, 14), (1024, 8), (257, 32)] {
            let shape = FabricShape::Permutations { gpus, degree, source: PermutationSource::Random { seed: 11 } };
            let edges = fabric_edges(&shape).unwrap();
            assert_eq!(edges.len(), (gpus * degree / 2) as usize);
            let mut distinct: Vec<_> = edges.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), edges.len());
        }
    }

    #[test]
    fn degree_is_limited_by_chiplet_ports() {
        // One TeraPHY: 8 ports. Degree 8 fits, degree 10 does not; 2 chiplets fit 10.
        let shape =
            |d| FabricShape::Permutations { gpus: 16, degree: d, source: PermutationSource::Random { seed: 1 } };
        assert!(direct_fabric(&spec(shape(8), 1, io_node()), &H100_SXM5.device).is_ok());
        let err = direct_fabric(&spec(shape(10), 1, io_node()), &H100_SXM5.device).unwrap_err();
        assert_eq!(
            err,
            TopologyError::NotEnoughPorts { gpu: 0, degree: 10, ports_per_neighbor: 1, needed: 10, available: 8 }
        );
        assert!(direct_fabric(&spec(shape(10), 2, io_node()), &H100_SXM5.device).is_ok());
        // A ring bundling 4 ports per neighbour uses all 8 ports: cables at 4 · 128 Gb/s = 64 GB/s.
        let mut s = spec(FabricShape::Ring { gpus: 6 }, 1, Forwarding::Host);
        s.ports_per_neighbor = 4;
        let p = direct_fabric(&s, &H100_SXM5.device).unwrap();
        assert!(p.links.iter().all(|l| l.bandwidth == BytesPerSec(64_000_000_000)));
        s.ports_per_neighbor = 5;
        assert!(matches!(direct_fabric(&s, &H100_SXM5.device), Err(TopologyError::NotEnoughPorts { needed: 10, .. })));
    }

    #[test]
    fn io_nodes_make_every_pair_routable() {
        let s = spec(FabricShape::Torus2d { x: 3, y: 4 }, 1, io_node());
        let p = direct_fabric(&s, &H100_SXM5.device).unwrap();
        assert_eq!(p.nodes.len(), 24);
        assert_eq!(p.links.len(), 2 * (12 + 24));
        assert_eq!(p.node_by_name("gpu11"), Some(NodeId(11)));
        assert_eq!(p.node_by_name("gpu0/io"), Some(NodeId(12)));
        // GPU ↔ I/O cable at the chiplet's 1.024 Tb/s; fabric cables at one port, 128 Gb/s.
        assert_eq!(p.links[0].bandwidth, BytesPerSec(128_000_000_000));
        assert!(p.links[24..].iter().all(|l| l.bandwidth == BytesPerSec(16_000_000_000)));
        assert!((12..24).all(|io| p.out_links[io].len() == 1 + 4));
        assert_all_routable(&p);
        // Neighbours: gpu → io → io → gpu; opposite corner (1, 2) of (0, 0) is 3 fabric hops.
        assert_eq!(route_links(&p, "gpu0", "gpu1"), (3, SimDuration::from_ns(300 + 10 + 300)));
        assert_eq!(route_links(&p, "gpu0", "gpu7").0, 3 + 2);
    }

    #[test]
    fn host_forwarding_relays_through_intermediate_gpus() {
        // Every pair of a 5-GPU ring is routable; a route takes the ring distance in hops, relayed by GPUs.
        let p = direct_fabric(&spec(FabricShape::Ring { gpus: 5 }, 1, Forwarding::Host), &H100_SXM5.device).unwrap();
        assert_eq!((p.nodes.len(), p.links.len()), (5, 10));
        assert!(p.nodes.iter().all(|n| n.forwards));
        let mut r = Router::new(&p);
        for a in 0..5u32 {
            for b in 0..5u32 {
                let ring_distance = ((a + 5 - b) % 5).min((b + 5 - a) % 5) as usize;
                assert_eq!(r.route(&p, NodeId(a), NodeId(b), 0).unwrap().links.len(), ring_distance, "{a} {b}");
            }
        }
    }

    #[test]
    fn circuits_and_bad_shapes() {
        let s = |gpus, circuits| FabricShape::Circuits { gpus, circuits };
        assert_eq!(fabric_edges(&s(3, vec![(0, 1), (2, 1)])), Ok(vec![(0, 1), (2, 1)]));
        assert!(matches!(fabric_edges(&s(3, vec![(0, 3)])), Err(TopologyError::InvalidCircuit { index: 0, .. })));
        assert!(matches!(fabric_edges(&s(3, vec![(1, 1)])), Err(TopologyError::InvalidCircuit { .. })));
        assert!(matches!(
            fabric_edges(&s(3, vec![(0, 1), (1, 0)])),
            Err(TopologyError::InvalidCircuit { index: 1, a: 1, b: 0, .. })
        ));
        let disconnected = spec(s(4, vec![(0, 1), (2, 3)]), 1, io_node());
        assert!(matches!(direct_fabric(&disconnected, &H100_SXM5.device), Err(TopologyError::Disconnected { .. })));
        let odd = FabricShape::Permutations { gpus: 8, degree: 3, source: PermutationSource::Random { seed: 0 } };
        assert!(matches!(fabric_edges(&odd), Err(TopologyError::InvalidValue { field: "shape.degree", .. })));
        let bad = |shifts| FabricShape::Permutations { gpus: 8, degree: 4, source: PermutationSource::Shifts(shifts) };
        assert!(fabric_edges(&bad(vec![1, 3])).is_ok());
        assert!(matches!(fabric_edges(&bad(vec![1, 7])), Err(TopologyError::InvalidValue { value: 7, .. })));
        assert!(matches!(fabric_edges(&bad(vec![1, 4])), Err(TopologyError::InvalidValue { value: 4, .. })));
        assert!(matches!(fabric_edges(&bad(vec![1])), Err(TopologyError::InvalidValue { value: 1, .. })));
        assert!(matches!(fabric_edges(&FabricShape::Ring { gpus: 2 }), Err(TopologyError::InvalidValue { .. })));
        // Shifts that share a factor with n split the fabric: C8(2, ...) alone is two 4-cycles.
        let split = FabricShape::Permutations { gpus: 8, degree: 2, source: PermutationSource::Shifts(vec![2]) };
        let s = spec(split, 1, io_node());
        assert!(matches!(direct_fabric(&s, &H100_SXM5.device), Err(TopologyError::Disconnected { components: 2 })));
    }
}
