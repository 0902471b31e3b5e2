//! Circuit co-design: choose the circuits of an optical direct-connect fabric from a training plan's
//! communication demands, so that as much of the job's traffic as possible crosses one direct circuit instead
//! of being forwarded by intermediate GPUs.
//!
//! # Sources
//! - **SiP-ML**'s SiP-OCS design (Khani et al., SIGCOMM 2021, REFERENCE.md §7.1): each GPU's optical I/O is
//!   split over a few ports wired through an optical circuit switch that is set **once per job**, so the
//!   job's traffic pattern (rings for AllReduce, direct links between model-parallel neighbours) must fit a
//!   degree-constrained topology [V-abs + R].
//! - **TopoOpt** (Wang et al., NSDI 2023, REFERENCE.md §7.2) co-optimises the parallelisation strategy and the
//!   topology by alternating optimisation [V-abs]; its topology step gives the model-parallel (MP) traffic
//!   circuits by weight and the AllReduce traffic rings (TotientPerms), within each server's degree. The
//!   recalled details — a per-GPU split of the degree between AllReduce and MP traffic in proportion to their
//!   volume, MP circuits from repeated maximum-weight matchings — are \[R\], not re-read.
//!
//! # Algorithm ([`co_design`])
//! 1. **Demand graph.** Every [`Demand`] becomes weighted GPU pairs: a ring sends `bytes` from each member to
//!    the next and from the last to the first; a pair carries its `bytes`. Weights of one unordered pair are
//!    summed [bytes per iteration, both directions] — so a 2-member ring, which sends both ways, is one pair
//!    weighing `2 · bytes`. Zero-byte demands stay in the graph with weight 0 and are served last.
//! 2. **Everything fits.** If the demand graph's maximum degree `Δ` is at most `ports`, every demanded pair
//!    gets a circuit (step 4 may still drop one when `Δ = ports` leaves a component without a free port), and each circuit bundles `⌊ports / Δ⌋` ports (SiP-ML's spare bandwidth on the few
//!    circuits a job needs).
//! 3. **Too few ports.** Otherwise each circuit gets one port and the pairs are taken heaviest first (ties by
//!    the pair, ascending) while both GPUs have a free port: **greedy maximum-weight b-matching** with `b =
//!    ports`. This is TopoOpt's priority to the heaviest (model-parallel) traffic; greedy is our
//!    simplification of an optimal b-matching (it keeps at least half the optimal served weight).
//! 4. **Connectivity.** Every GPU `0 .. gpus` (demanded or not) must reach every other, forwarding through
//!    other GPUs ([`crate::Forwarding`]). Components are joined by extra circuits between GPUs with a free
//!    port: first demanded but unserved pairs between components (heaviest first), then, repeatedly, the
//!    component with the most free ports with the one with the fewest, each through its GPU with the most
//!    free ports (lowest index on ties). A join is only made if the rest can still be joined: with `k`
//!    components and `s_i` free ports in component `i`, a spanning tree of new circuits exists iff every
//!    `s_i ≥ 1` and `Σ s_i ≥ 2(k − 1)`. If steps 2–3 left too few free ports, the lightest circuit on a
//!    cycle (in a component without free ports first) is dropped until that holds, which always succeeds for
//!    `ports ≥ 2`; with `ports = 1` only 2 GPUs can be joined ([`TopologyError::NoConnectedDesign`]).
//!    `ports_per_neighbor` is `⌊ports / D⌋` for the **final** maximum degree `D`, so the ports always fit.
//! 5. **Result.** The circuits sorted ascending, the unserved demanded pairs, and the served share of the
//!    demanded bytes.
//!
//! # Simplifications (not TopoOpt's or SiP-ML's)
//! - The ring order of each [`Demand::Ring`] is taken as given; TopoOpt exploits that AllReduce traffic is
//!   **mutable** (any ring order, or several rings with coprime strides, does) and shapes it to the topology.
//! - No search over the parallelisation strategy or device placement (TopoOpt's alternating optimisation,
//!   SiP-ML's placement): the demands are fixed inputs.
//! - One `ports_per_neighbor` for every circuit ([`crate::DirectFabricSpec`] has one); ports left over by the
//!   floor are unused. Bandwidth is not allocated per circuit in proportion to traffic.
//! - Only the number of one-hop bytes is maximised; forwarded traffic's hop count and link load are not.
//!
//! All choices are deterministic (sorted `Vec`s, `BTreeMap`/`BTreeSet`, ties broken by GPU index).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::TopologyError;

/// An unordered GPU pair `(a, b)` with `a < b`.
type Pair = (u32, u32);

/// One communication demand of a training plan, on GPU indices `0 .. gpus` (SiP-ML §7.1 / TopoOpt §7.2 of
/// REFERENCE.md: AllReduce rings and model-parallel point-to-point traffic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Demand {
    /// A ring collective (ring all-reduce, reduce-scatter, all-gather) over `members` in ring order: it
    /// sends between consecutive members and from the last back to the first. `bytes`: bytes each member
    /// sends per iteration. Members must be distinct; 0 or 1 member gives no traffic, and 2 members send both
    /// ways (`2 · bytes` over their pair).
    Ring {
        /// GPU indices in ring order, distinct, each `< gpus`.
        members: Vec<u32>,
        /// Bytes each member sends to the next per iteration \[bytes\].
        bytes: u64,
    },
    /// Point-to-point traffic between two GPUs (pipeline-stage neighbours), both directions summed [bytes per
    /// iteration].
    Pair {
        /// First GPU, `< gpus`.
        a: u32,
        /// Second GPU, `< gpus`, `≠ a`.
        b: u32,
        /// Bytes per iteration, both directions summed \[bytes\].
        bytes: u64,
    },
}

/// The circuits chosen by [`co_design`], ready for [`crate::FabricShape::Circuits`] and
/// [`crate::DirectFabricSpec::ports_per_neighbor`].
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitDesign {
    /// Circuits as unordered GPU pairs `(a, b)`, `a < b`, sorted ascending, distinct. They join all GPUs
    /// `0 .. gpus` into one connected fabric.
    pub circuits: Vec<(u32, u32)>,
    /// Optical ports bundled into each circuit: `⌊ports / D⌋` for the maximum circuits per GPU `D`, ≥ 1.
    pub ports_per_neighbor: u32,
    /// Demanded GPU pairs that got no circuit (their traffic is forwarded over several hops), `a < b`, sorted,
    /// with their bytes per iteration (both directions summed; saturating at `u64::MAX`).
    pub unserved: Vec<((u32, u32), u64)>,
    /// Bytes per iteration over demanded pairs that have a circuit, over all demanded bytes (1.0 when every
    /// demand is served, and when the demands carry no bytes at all).
    pub served_share: f64,
}

/// Chooses circuits between `gpus` GPUs with `ports` optical ports each so that as many of `demands`' bytes as
/// possible cross one direct circuit, and the fabric stays connected; see the module docs for the algorithm
/// (SiP-ML's SiP-OCS / TopoOpt's topology step, simplified).
///
/// `ports` is the per-GPU optical port count, e.g. `OpticalIo::ports()` of the fabric's optical I/O.
///
/// ```
/// use topologies::{co_design, Demand};
///
/// // A ring all-reduce over 8 GPUs with 8 ports each: the ring's 8 circuits, 4 ports bundled per circuit.
/// let ring = Demand::Ring { members: (0..8).collect(), bytes: 1 << 30 };
/// let design = co_design(8, 8, &[ring]).unwrap();
/// assert_eq!(design.circuits.len(), 8);
/// assert_eq!(design.ports_per_neighbor, 4);
/// assert_eq!(design.served_share, 1.0);
/// ```
///
/// # Errors
/// [`TopologyError::InvalidValue`] (`gpus`) for fewer than 2 GPUs; [`TopologyError::ZeroCount`] (`ports`) for
/// no ports; [`TopologyError::InvalidDemand`] for a ring member or pair end out of range, a pair joining a GPU
/// to itself, or a GPU twice in one ring; [`TopologyError::NoConnectedDesign`] for `ports = 1` and more than
/// 2 GPUs.
///
/// # Complexity
/// With `M` ring members and pairs in `demands`, `E` demanded pairs and `n = gpus`: **O(M log E + n log² n)**,
/// plus **O(n + E log E)** per circuit dropped in step 4 (none unless the greedy step saturated a component).
/// Memory O(n + E).
pub fn co_design(gpus: u32, ports: u32, demands: &[Demand]) -> Result<CircuitDesign, TopologyError> {
    if gpus < 2 {
        return Err(TopologyError::InvalidValue {
            field: "gpus",
            value: gpus.into(),
            reason: "a fabric needs at least 2 GPUs",
        });
    }
    if ports == 0 {
        return Err(TopologyError::ZeroCount { field: "ports", value: 0 });
    }
    let weights = demand_weights(gpus, demands)?;
    if ports == 1 && gpus > 2 {
        return Err(TopologyError::NoConnectedDesign { gpus, ports });
    }

    // Heaviest first, ties by the pair ascending.
    let mut order: Vec<(Pair, u64)> = weights.iter().map(|(&pair, &w)| (pair, w)).collect();
    order.sort_by_key(|&(pair, w)| (Reverse(w), pair));

    let n = gpus as usize;
    let mut demand_degree = vec![0u32; n];
    for &((a, b), _) in &order {
        demand_degree[a as usize] += 1;
        demand_degree[b as usize] += 1;
    }
    let all_fit = demand_degree.iter().all(|&d| d <= ports);

    let mut fabric = Fabric { ports, degree: vec![0; n], circuits: BTreeSet::new() };
    for &((a, b), _) in &order {
        if all_fit || (fabric.has_free_port(a) && fabric.has_free_port(b)) {
            fabric.add(a, b);
        }
    }
    fabric.connect(&order, &weights)?;

    let max_degree = fabric.degree.iter().copied().max().unwrap_or(0).max(1);
    let mut served: u128 = 0;
    let mut total: u128 = 0;
    let mut unserved = Vec::new();
    for (&pair, &w) in &weights {
        total += u128::from(w);
        if fabric.circuits.contains(&pair) {
            served += u128::from(w);
        } else {
            unserved.push((pair, w));
        }
    }
    Ok(CircuitDesign {
        circuits: fabric.circuits.into_iter().collect(),
        ports_per_neighbor: (ports / max_degree).max(1),
        unserved,
        served_share: if total == 0 { 1.0 } else { served as f64 / total as f64 },
    })
}

/// Step 1: the demanded pairs `(a, b)`, `a < b`, with their summed bytes per iteration (saturating).
fn demand_weights(gpus: u32, demands: &[Demand]) -> Result<BTreeMap<Pair, u64>, TopologyError> {
    let mut weights: BTreeMap<Pair, u64> = BTreeMap::new();
    let mut add = |a: u32, b: u32, bytes: u64| {
        let w = weights.entry((a.min(b), a.max(b))).or_insert(0);
        *w = w.saturating_add(bytes);
    };
    for (index, demand) in demands.iter().enumerate() {
        let bad = |field, value, reason| TopologyError::InvalidDemand { index, field, value, reason };
        match demand {
            Demand::Ring { members, bytes } => {
                let mut seen = BTreeSet::new();
                for &m in members {
                    if m >= gpus {
                        return Err(bad("members", m, "GPU index out of range"));
                    }
                    if !seen.insert(m) {
                        return Err(bad("members", m, "GPU appears twice in the ring"));
                    }
                }
                if members.len() >= 2 {
                    for (i, &m) in members.iter().enumerate() {
                        add(m, members[(i + 1) % members.len()], *bytes);
                    }
                }
            }
            &Demand::Pair { a, b, bytes } => {
                if a >= gpus {
                    return Err(bad("a", a, "GPU index out of range"));
                }
                if b >= gpus {
                    return Err(bad("b", b, "GPU index out of range"));
                }
                if a == b {
                    return Err(bad("b", b, "a pair must join two different GPUs"));
                }
                add(a, b, bytes);
            }
        }
    }
    Ok(weights)
}

/// The circuits chosen so far and each GPU's circuit count.
struct Fabric {
    ports: u32,
    degree: Vec<u32>,
    circuits: BTreeSet<Pair>,
}

impl Fabric {
    fn free(&self, gpu: u32) -> u32 {
        self.ports - self.degree[gpu as usize]
    }

    fn has_free_port(&self, gpu: u32) -> bool {
        self.degree[gpu as usize] < self.ports
    }

    fn add(&mut self, a: u32, b: u32) {
        self.circuits.insert((a.min(b), a.max(b)));
        self.degree[a as usize] += 1;
        self.degree[b as usize] += 1;
    }

    fn remove(&mut self, (a, b): Pair) {
        self.circuits.remove(&(a, b));
        self.degree[a as usize] -= 1;
        self.degree[b as usize] -= 1;
    }

    /// Step 4: joins all GPUs into one component (see the module docs).
    fn connect(&mut self, order: &[(Pair, u64)], weights: &BTreeMap<Pair, u64>) -> Result<(), TopologyError> {
        let stuck = TopologyError::NoConnectedDesign { gpus: self.degree.len() as u32, ports: self.ports };
        // Free ports until a spanning tree of new circuits exists.
        let mut comps = loop {
            let mut comps = Components::new(self);
            if comps.joinable() {
                break comps;
            }
            let bridge = bridges(self.degree.len(), &self.circuits);
            let victim = self
                .circuits
                .iter()
                .zip(bridge)
                .filter(|&(_, is_bridge)| !is_bridge)
                .map(|(&pair, _)| pair)
                .min_by_key(|&pair| {
                    let saturated = comps.spare_of(pair.0) == 0;
                    (!saturated, weights.get(&pair).copied().unwrap_or(0), pair)
                })
                .ok_or(stuck.clone())?;
            self.remove(victim);
        };
        // Demanded but unserved pairs between components, heaviest first, while the rest stays joinable.
        for &((a, b), _) in order {
            if comps.count == 1 {
                return Ok(());
            }
            let (ra, rb) = (comps.find(a), comps.find(b));
            if ra == rb || !self.has_free_port(a) || !self.has_free_port(b) {
                continue;
            }
            if comps.count > 2 && comps.spare[ra as usize] + comps.spare[rb as usize] < 3 {
                continue;
            }
            comps.join(self, a, b);
        }
        // The component with the most free ports with the one with the fewest.
        while comps.count > 1 {
            // Most free ports, lowest GPU on ties; then the fewest free ports, lowest GPU on ties.
            let &(most, _) = comps.by_spare.last().ok_or(stuck.clone())?;
            let largest = *comps.by_spare.range((most, 0)..).next().ok_or(stuck.clone())?;
            let smallest = *comps.by_spare.iter().find(|&&c| c != largest).ok_or(stuck.clone())?;
            let u = comps.freest(largest.1).ok_or(stuck.clone())?;
            let v = comps.freest(smallest.1).ok_or(stuck.clone())?;
            comps.join(self, u, v);
        }
        Ok(())
    }
}

/// Connected components of a [`Fabric`] (union–find) with their free ports.
struct Components {
    parent: Vec<u32>,
    /// Per root: free ports summed over the component's GPUs.
    spare: Vec<u64>,
    /// Per root: the component's lowest GPU index.
    min_gpu: Vec<u32>,
    /// Per root: `(Reverse(free ports), gpu)` of the component's GPUs with a free port (freest first).
    free: Vec<BTreeSet<(Reverse<u32>, u32)>>,
    /// `(spare, min_gpu)` of every component.
    by_spare: BTreeSet<(u64, u32)>,
    /// Number of components.
    count: usize,
}

impl Components {
    fn new(fabric: &Fabric) -> Self {
        let n = fabric.degree.len();
        let mut c = Components {
            parent: (0..n as u32).collect(),
            spare: vec![0; n],
            min_gpu: (0..n as u32).collect(),
            free: vec![BTreeSet::new(); n],
            by_spare: BTreeSet::new(),
            count: 0,
        };
        for &(a, b) in &fabric.circuits {
            let (ra, rb) = (c.find(a), c.find(b));
            if ra != rb {
                c.parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        for gpu in 0..n as u32 {
            let r = c.find(gpu) as usize;
            let free = fabric.free(gpu);
            c.spare[r] += u64::from(free);
            c.min_gpu[r] = c.min_gpu[r].min(gpu);
            if free > 0 {
                c.free[r].insert((Reverse(free), gpu));
            }
        }
        for gpu in 0..n as u32 {
            if c.find(gpu) == gpu {
                c.by_spare.insert((c.spare[gpu as usize], c.min_gpu[gpu as usize]));
                c.count += 1;
            }
        }
        c
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn spare_of(&mut self, gpu: u32) -> u64 {
        let r = self.find(gpu);
        self.spare[r as usize]
    }

    /// Whether a spanning tree of new circuits between the components fits their free ports.
    fn joinable(&self) -> bool {
        let total: u64 = self.by_spare.iter().map(|&(s, _)| s).sum();
        self.count == 1 || (self.by_spare.first().is_some_and(|&(s, _)| s >= 1) && total >= 2 * (self.count as u64 - 1))
    }

    /// The GPU with the most free ports (lowest index on ties) in the component of `gpu`.
    fn freest(&mut self, gpu: u32) -> Option<u32> {
        let r = self.find(gpu);
        self.free[r as usize].first().map(|&(_, g)| g)
    }

    /// Adds circuit `u ↔ v` between two components and merges them.
    fn join(&mut self, fabric: &mut Fabric, u: u32, v: u32) {
        let (ru, rv) = (self.find(u), self.find(v));
        debug_assert_ne!(ru, rv);
        for (gpu, root) in [(u, ru), (v, rv)] {
            self.free[root as usize].remove(&(Reverse(fabric.free(gpu)), gpu));
        }
        fabric.add(u, v);
        for (gpu, root) in [(u, ru), (v, rv)] {
            if fabric.has_free_port(gpu) {
                self.free[root as usize].insert((Reverse(fabric.free(gpu)), gpu));
            }
        }
        for root in [ru, rv] {
            self.by_spare.remove(&(self.spare[root as usize], self.min_gpu[root as usize]));
        }
        // Small-to-large merge of the free-port sets.
        let (big, small) =
            if self.free[ru as usize].len() >= self.free[rv as usize].len() { (ru, rv) } else { (rv, ru) };
        let moved = std::mem::take(&mut self.free[small as usize]);
        self.free[big as usize].extend(moved);
        self.parent[small as usize] = big;
        self.spare[big as usize] = self.spare[ru as usize] + self.spare[rv as usize] - 2;
        self.min_gpu[big as usize] = self.min_gpu[ru as usize].min(self.min_gpu[rv as usize]);
        self.by_spare.insert((self.spare[big as usize], self.min_gpu[big as usize]));
        self.count -= 1;
    }
}

/// For each circuit of `circuits` (in set order), whether it is a bridge (its removal disconnects its ends);
/// iterative Tarjan, O(n + E).
fn bridges(n: usize, circuits: &BTreeSet<Pair>) -> Vec<bool> {
    let mut adj: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n];
    for (e, &(a, b)) in circuits.iter().enumerate() {
        adj[a as usize].push((b, e));
        adj[b as usize].push((a, e));
    }
    let mut is_bridge = vec![false; circuits.len()];
    let mut disc = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut timer = 0u32;
    // (node, edge it was reached by, next adjacency index)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for root in 0..n {
        if disc[root] != u32::MAX {
            continue;
        }
        disc[root] = timer;
        low[root] = timer;
        timer += 1;
        stack.push((root, usize::MAX, 0));
        while let Some(top) = stack.last_mut() {
            let (v, via) = (top.0, top.1);
            if let Some(&(w, e)) = adj[v].get(top.2) {
                top.2 += 1;
                if e == via {
                    continue;
                }
                let w = w as usize;
                if disc[w] == u32::MAX {
                    disc[w] = timer;
                    low[w] = timer;
                    timer += 1;
                    stack.push((w, e, 0));
                } else {
                    low[v] = low[v].min(disc[w]);
                }
            } else {
                stack.pop();
                if let Some(&(u, _, _)) = stack.last() {
                    low[u] = low[u].min(low[v]);
                    if low[v] > disc[u] {
                        is_bridge[via] = true;
                    }
                }
            }
        }
    }
    is_bridge
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use rand::seq::SliceRandom;
    use rand::Rng;
    use sim_core::rng::{stream, StreamKind};
    use sim_core::{NodeId, Platform, SimDuration};

    use super::*;
    use crate::catalogue::{OpticalIo, H100_SXM5, TERAPHY};
    use crate::{direct_fabric, DirectFabricSpec, FabricShape, Forwarding};

    /// Circuits per GPU.
    fn degrees(gpus: u32, circuits: &[(u32, u32)]) -> Vec<u32> {
        let mut d = vec![0; gpus as usize];
        for &(a, b) in circuits {
            d[a as usize] += 1;
            d[b as usize] += 1;
        }
        d
    }

    /// Whether the circuits join all of `0 .. gpus` (BFS from GPU 0).
    fn connected(gpus: u32, circuits: &[(u32, u32)]) -> bool {
        let mut adj = vec![Vec::new(); gpus as usize];
        for &(a, b) in circuits {
            adj[a as usize].push(b as usize);
            adj[b as usize].push(a as usize);
        }
        let mut seen = vec![false; gpus as usize];
        seen[0] = true;
        let mut queue = VecDeque::from([0]);
        while let Some(v) = queue.pop_front() {
            for &w in &adj[v] {
                if !seen[w] {
                    seen[w] = true;
                    queue.push_back(w);
                }
            }
        }
        seen.iter().all(|&s| s)
    }

    /// Builds `design` as a `Forwarding::Host` direct fabric of GPUs with `ports` ports each.
    fn build(gpus: u32, ports: u32, design: &CircuitDesign) -> Platform {
        let spec = DirectFabricSpec {
            shape: FabricShape::Circuits { gpus, circuits: design.circuits.clone() },
            io: OpticalIo { chiplet: crate::catalogue::OpticalChipletPreset { ports, ..TERAPHY }, chiplets_per_gpu: 1 },
            ports_per_neighbor: design.ports_per_neighbor,
            link_latency: SimDuration::from_ns(10),
            forwarding: Forwarding::Host,
        };
        direct_fabric(&spec, &H100_SXM5.device).unwrap()
    }

    fn has_link(p: &Platform, a: u32, b: u32) -> bool {
        p.out_links[a as usize].iter().any(|&l| p.links[l.index()].dst == NodeId(b))
    }

    #[test]
    fn one_ring_gets_its_circuits_with_bundled_ports() {
        let ring = Demand::Ring { members: (0..8).collect(), bytes: 1 << 30 };
        let d = co_design(8, 8, &[ring]).unwrap();
        assert_eq!(d.circuits, [(0, 1), (0, 7), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7)]);
        assert_eq!(d.ports_per_neighbor, 4);
        assert_eq!(d.served_share, 1.0);
        assert!(d.unserved.is_empty());
        // A 2-member ring sends both ways: one circuit, 2 · bytes.
        let two = co_design(3, 2, &[Demand::Ring { members: vec![2, 0], bytes: 5 }]).unwrap();
        assert_eq!(two.circuits, [(0, 1), (0, 2)]);
        assert_eq!(demand_weights(3, &[Demand::Ring { members: vec![2, 0], bytes: 5 }]).unwrap()[&(0, 2)], 10);
        // GPU 1 had no demand and is joined to GPU 0 (most free ports, lowest index); degree 2 → 1 port each.
        assert_eq!(two.ports_per_neighbor, 1);
    }

    /// GPU `tp + 4 · (dp + 3 · pp)` of a TP 4 × DP 3 × PP 2 plan on 24 GPUs.
    fn gpu(tp: u32, dp: u32, pp: u32) -> u32 {
        tp + 4 * (dp + 3 * pp)
    }

    fn hybrid_plan() -> Vec<Demand> {
        let mut demands = Vec::new();
        for pp in 0..2 {
            for dp in 0..3 {
                demands.push(Demand::Ring { members: (0..4).map(|tp| gpu(tp, dp, pp)).collect(), bytes: 8 << 30 });
            }
            for tp in 0..4 {
                demands.push(Demand::Ring { members: (0..3).map(|dp| gpu(tp, dp, pp)).collect(), bytes: 1 << 30 });
            }
        }
        for tp in 0..4 {
            for dp in 0..3 {
                demands.push(Demand::Pair { a: gpu(tp, dp, 0), b: gpu(tp, dp, 1), bytes: 64 << 20 });
            }
        }
        demands
    }

    #[test]
    fn hybrid_plan_is_all_one_hop_when_ports_suffice() {
        let demands = hybrid_plan();
        // Degree 2 (TP ring) + 2 (DP ring of 3) + 1 (pipeline pair) = 5; 16 ports → 3 per circuit.
        let d = co_design(24, 16, &demands).unwrap();
        assert_eq!(d.served_share, 1.0);
        assert!(d.unserved.is_empty());
        assert_eq!(d.ports_per_neighbor, 3);
        assert_eq!(d.circuits.len(), 2 * (3 * 4 + 4 * 3) + 12);
        assert!(degrees(24, &d.circuits).iter().all(|&x| x == 5));
        let p = build(24, 16, &d);
        let weights = demand_weights(24, &demands).unwrap();
        assert_eq!(weights.len(), d.circuits.len());
        for &(a, b) in weights.keys() {
            assert!(has_link(&p, a, b) && has_link(&p, b, a), "{a} ↔ {b} is not one hop");
        }
        // Cables bundle 3 TeraPHY ports: 3 · 16 GB/s.
        assert!(p.links.iter().all(|l| l.bandwidth.0 == 3 * TERAPHY.port_rate.0));
    }

    #[test]
    fn too_few_ports_keep_the_heaviest_pairs() {
        // GPU 3 wants 4 circuits, 0..2 want 3; only 2 ports. GPU 5 has no demand.
        let demands = [
            Demand::Ring { members: vec![0, 1, 2, 3], bytes: 10 },
            Demand::Pair { a: 2, b: 0, bytes: 50 },
            Demand::Pair { a: 1, b: 3, bytes: 40 },
            Demand::Pair { a: 3, b: 4, bytes: 30 },
        ];
        let d = co_design(6, 2, &demands).unwrap();
        // Greedy: (0,2) 50, (1,3) 40, (3,4) 30, (0,1) 10; then 0, 1 and 3 are full, so (0,3), (1,2), (2,3)
        // are left. GPU 5 joins through GPU 2 (one free port, lower index than GPU 4).
        assert_eq!(d.circuits, [(0, 1), (0, 2), (1, 3), (2, 5), (3, 4)]);
        assert_eq!(d.unserved, [((0, 3), 10), ((1, 2), 10), ((2, 3), 10)]);
        assert_eq!(d.served_share, 130.0 / 160.0);
        assert_eq!(d.ports_per_neighbor, 1);
        assert!(degrees(6, &d.circuits).iter().all(|&x| x <= 2));
        assert!(connected(6, &d.circuits));
        build(6, 2, &d);
    }

    #[test]
    fn saturated_components_drop_their_lightest_cycle_circuit() {
        // Ring 0-1-2 fills both ports of its GPUs; GPU 3 can only join after a ring circuit is dropped.
        let d = co_design(4, 2, &[Demand::Ring { members: vec![0, 1, 2], bytes: 10 }]).unwrap();
        assert_eq!(d.circuits, [(0, 2), (0, 3), (1, 2)]);
        assert_eq!(d.unserved, [((0, 1), 10)]);
        assert_eq!(d.served_share, 20.0 / 30.0);
        // Two saturated triangles: each drops a circuit, then the demanded unserved pair (1, 4) joins them
        // (the fallback would have chosen (0, 3)); (1, 5) is heavier but GPU 5 stays full.
        let demands = [
            Demand::Ring { members: vec![0, 1, 2], bytes: 10 },
            Demand::Ring { members: vec![3, 4, 5], bytes: 10 },
            Demand::Pair { a: 4, b: 1, bytes: 1 },
            Demand::Pair { a: 1, b: 5, bytes: 2 },
        ];
        let d = co_design(6, 2, &demands).unwrap();
        assert_eq!(d.circuits, [(0, 2), (1, 2), (1, 4), (3, 5), (4, 5)]);
        assert_eq!(d.unserved, [((0, 1), 10), ((1, 5), 2), ((3, 4), 10)]);
        assert_eq!(d.served_share, 41.0 / 63.0);
        assert!(connected(6, &d.circuits));
    }

    #[test]
    fn bad_inputs_are_rejected() {
        let ring = |members: Vec<u32>| Demand::Ring { members, bytes: 1 };
        assert_eq!(co_design(3, 1, &[]), Err(TopologyError::NoConnectedDesign { gpus: 3, ports: 1 }));
        // Two GPUs need only one circuit, demanded or not.
        assert_eq!(co_design(2, 1, &[]).unwrap().circuits, [(0, 1)]);
        assert!(matches!(co_design(1, 4, &[]), Err(TopologyError::InvalidValue { field: "gpus", value: 1, .. })));
        assert!(matches!(co_design(4, 0, &[]), Err(TopologyError::ZeroCount { field: "ports", .. })));
        assert!(matches!(
            co_design(4, 4, &[ring(vec![0, 1]), ring(vec![0, 4])]),
            Err(TopologyError::InvalidDemand { index: 1, field: "members", value: 4, .. })
        ));
        assert!(matches!(
            co_design(4, 4, &[ring(vec![0, 1, 2, 1])]),
            Err(TopologyError::InvalidDemand { index: 0, field: "members", value: 1, .. })
        ));
        assert!(matches!(
            co_design(4, 4, &[Demand::Pair { a: 2, b: 2, bytes: 1 }]),
            Err(TopologyError::InvalidDemand { index: 0, field: "b", value: 2, .. })
        ));
        assert!(matches!(
            co_design(4, 4, &[Demand::Pair { a: 9, b: 2, bytes: 1 }]),
            Err(TopologyError::InvalidDemand { index: 0, field: "a", value: 9, .. })
        ));
    }

    #[test]
    fn zero_byte_demands_are_served_last() {
        // GPU 0 wants 3 circuits with 2 ports: the zero-byte pair (0, 1) loses although it sorts first by pair;
        // GPU 1 then joins through GPU 2. No bytes are lost.
        let demands = [
            Demand::Pair { a: 0, b: 1, bytes: 0 },
            Demand::Pair { a: 0, b: 2, bytes: 5 },
            Demand::Pair { a: 0, b: 3, bytes: 5 },
        ];
        let d = co_design(4, 2, &demands).unwrap();
        assert_eq!(d.circuits, [(0, 2), (0, 3), (1, 2)]);
        assert_eq!(d.unserved, [((0, 1), 0)]);
        assert_eq!(d.served_share, 1.0);
    }

    #[test]
    fn random_demands_give_valid_connected_designs() {
        for seed in 0..3000u64 {
            let mut rng = stream(seed, StreamKind::Partition, 0);
            let gpus = rng.random_range(2..=32u32);
            let ports = rng.random_range(1..=6u32);
            let mut demands = Vec::new();
            for _ in 0..rng.random_range(0..=12) {
                let bytes = if rng.random_range(0..4) == 0 { 0 } else { rng.random_range(1..1000u64) };
                let mut all: Vec<u32> = (0..gpus).collect();
                all.shuffle(&mut rng);
                if rng.random_range(0..2) == 0 {
                    let len = rng.random_range(1..=gpus.min(6) as usize);
                    demands.push(Demand::Ring { members: all[..len].to_vec(), bytes });
                } else {
                    demands.push(Demand::Pair { a: all[0], b: all[1], bytes });
                }
            }
            let result = co_design(gpus, ports, &demands);
            if ports == 1 && gpus > 2 {
                assert_eq!(result, Err(TopologyError::NoConnectedDesign { gpus, ports }), "seed {seed}");
                continue;
            }
            let d = result.unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(co_design(gpus, ports, &demands).unwrap(), d, "seed {seed}: not deterministic");
            assert!(d.circuits.windows(2).all(|w| w[0] < w[1]), "seed {seed}: circuits not sorted and distinct");
            assert!(d.circuits.iter().all(|&(a, b)| a < b && b < gpus), "seed {seed}");
            assert!(d.ports_per_neighbor >= 1);
            let deg = degrees(gpus, &d.circuits);
            assert!(deg.iter().all(|&x| x * d.ports_per_neighbor <= ports), "seed {seed}: {deg:?}");
            assert!(connected(gpus, &d.circuits), "seed {seed}: disconnected");
            // Every demanded pair is served or listed as unserved; the share matches.
            let weights = demand_weights(gpus, &demands).unwrap();
            let served: u64 = weights.iter().filter(|(p, _)| d.circuits.binary_search(p).is_ok()).map(|(_, w)| w).sum();
            let total: u64 = weights.values().sum();
            let unserved: Vec<_> =
                weights.iter().filter(|(p, _)| d.circuits.binary_search(p).is_err()).map(|(&p, &w)| (p, w)).collect();
            assert_eq!(d.unserved, unserved, "seed {seed}");
            let share = if total == 0 { 1.0 } else { served as f64 / total as f64 };
            assert_eq!(d.served_share, share, "seed {seed}");
            let max_demand_degree = degrees(gpus, &weights.keys().copied().collect::<Vec<_>>()).into_iter().max();
            // With a free port left at every GPU, joining never needs to drop a demanded circuit.
            if max_demand_degree.unwrap_or(0) < ports {
                assert!(d.unserved.is_empty(), "seed {seed}: everything fits but {:?} unserved", d.unserved);
            }
            build(gpus, ports, &d);
        }
    }
}
