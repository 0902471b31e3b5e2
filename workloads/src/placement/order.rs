//! Where hosts are, seen from each other: a cost per route, bandwidth domains, a locality order of
//! the hosts, and the layout of a split's ranks along an order.
//!
//! The cost of reaching host `b` from host `a` is the cheapest path's sum over its links of the
//! propagation latency, the time to send [`PROBE_BYTES`] at the link's bandwidth and the hop latency
//! of every switch entered. Hop counts alone cannot tell an NVSwitch from an InfiniBand leaf (both
//! are one switch away on a DGX cluster); the probe's serialisation time can.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sim_core::training::Parallelism;
use sim_core::{NodeId, NodeKind, Platform};

/// Message size whose serialisation time weighs bandwidth against latency in the cost [bytes]:
/// 1 MiB, the order of a tensor-parallel all-reduce chunk or a pipeline send.
pub const PROBE_BYTES: u64 = 1 << 20;

/// A host belongs to the bandwidth domain of `h` if it costs at most this many times `h`'s nearest
/// other host: an NVSwitch node's 8 GPUs on a DGX cluster (an InfiniBand hop costs ~10× an NVLink
/// one), a star's all hosts, a torus GPU's direct neighbours.
pub const DOMAIN_SLACK: f64 = 1.5;

/// Cost of crossing `link` and entering its far node [ps]; see the module docs.
fn link_cost(platform: &Platform, link: usize) -> u64 {
    let l = &platform.links[link];
    let serialise = (u128::from(PROBE_BYTES) * 1_000_000_000_000).div_ceil(u128::from(l.bandwidth.0.max(1))) as u64;
    let hop = match platform.nodes[l.dst.index()].kind {
        NodeKind::Switch { hop_latency } => hop_latency.0,
        _ => 0,
    };
    l.latency.0.saturating_add(serialise).saturating_add(hop)
}

/// Cheapest costs from one host, reused across searches.
struct Costs {
    dist: Vec<u64>,
    epoch: Vec<u32>,
    now: u32,
    link_cost: Vec<u64>,
}

impl Costs {
    fn new(platform: &Platform) -> Self {
        Costs {
            dist: vec![u64::MAX; platform.nodes.len()],
            epoch: vec![0; platform.nodes.len()],
            now: 0,
            link_cost: (0..platform.links.len()).map(|l| link_cost(platform, l)).collect(),
        }
    }

    /// Dijkstra from `src` through forwarding nodes; calls `visit(host, cost)` for every other host
    /// in order of cost (ties by node id) until it returns `false`.
    fn search(&mut self, platform: &Platform, src: NodeId, mut visit: impl FnMut(NodeId, u64) -> bool) {
        self.now += 1;
        let mut heap = BinaryHeap::new();
        self.dist[src.index()] = 0;
        self.epoch[src.index()] = self.now;
        heap.push(Reverse((0u64, src.0)));
        while let Some(Reverse((d, n))) = heap.pop() {
            let node = NodeId(n);
            if self.epoch[n as usize] == self.now && d > self.dist[n as usize] {
                continue;
            }
            if node != src && platform.is_host(node) && !visit(node, d) {
                return;
            }
            if node != src && !platform.nodes[n as usize].forwards {
                continue;
            }
            for &l in &platform.out_links[n as usize] {
                let next = platform.links[l.index()].dst;
                let nd = d.saturating_add(self.link_cost[l.index()]);
                let i = next.index();
                if self.epoch[i] != self.now || nd < self.dist[i] {
                    self.epoch[i] = self.now;
                    self.dist[i] = nd;
                    heap.push(Reverse((nd, next.0)));
                }
            }
        }
    }
}

/// The hosts of `pool` in `h`'s bandwidth domain, `h` first, then by node id: those costing at most
/// [`DOMAIN_SLACK`] times `h`'s nearest host of `pool`.
fn domain(platform: &Platform, costs: &mut Costs, h: NodeId, pool: &[bool]) -> Vec<NodeId> {
    let mut nearest = None;
    let mut members = vec![h];
    costs.search(platform, h, |n, c| {
        if !pool[n.index()] {
            return true;
        }
        let first = *nearest.get_or_insert(c);
        if (c as f64) > first as f64 * DOMAIN_SLACK {
            return false;
        }
        members.push(n);
        true
    });
    members[1..].sort();
    members
}

/// Size of `pool[0]`'s bandwidth domain within `pool` (itself included): the largest tensor-parallel
/// group the topology-aware placement keeps on the fastest links.
pub fn domain_size(platform: &Platform, pool: &[NodeId]) -> usize {
    let Some(&first) = pool.first() else { return 0 };
    let mut in_pool = vec![false; platform.nodes.len()];
    for &h in pool {
        in_pool[h.index()] = true;
    }
    domain(platform, &mut Costs::new(platform), first, &in_pool).len()
}

/// The hosts of `pool` in a locality order: bandwidth domains one after another, each domain's hosts
/// by node id after its seed (so the `k`-th GPU of every node lines up, as rail-optimized fabrics wire
/// them). The first domain is seeded at `pool[0]`; the next at the unplaced host cheapest to reach
/// from the last seed (greedy nearest neighbour). Hosts no route reaches follow in pool order.
pub fn locality_order(platform: &Platform, pool: &[NodeId]) -> Vec<NodeId> {
    let mut in_pool = vec![false; platform.nodes.len()];
    for &h in pool {
        in_pool[h.index()] = true;
    }
    let mut costs = Costs::new(platform);
    let mut placed = vec![false; platform.nodes.len()];
    let mut order = Vec::with_capacity(pool.len());
    let mut next = pool.first().copied();
    while let Some(h) = next {
        let mut free = in_pool.clone();
        for (f, &p) in free.iter_mut().zip(&placed) {
            *f &= !p;
        }
        for n in domain(platform, &mut costs, h, &free) {
            placed[n.index()] = true;
            order.push(n);
        }
        next = None;
        costs.search(platform, h, |n, _| {
            if in_pool[n.index()] && !placed[n.index()] {
                next = Some(n);
                return false;
            }
            true
        });
        if next.is_none() {
            next = pool.iter().copied().find(|n| !placed[n.index()]);
        }
    }
    order
}

/// The hosts of `pool` as a greedy nearest-neighbour chain: from `pool[0]`, always on to the
/// cheapest host not yet taken (ties by node id). On a torus or ring it walks physical neighbours, so a
/// data-parallel ring laid along it mostly crosses one cable per step; hosts no route reaches follow
/// in pool order.
pub fn chain_order(platform: &Platform, pool: &[NodeId]) -> Vec<NodeId> {
    let mut free = vec![false; platform.nodes.len()];
    for &h in pool {
        free[h.index()] = true;
    }
    let mut costs = Costs::new(platform);
    let mut order = Vec::with_capacity(pool.len());
    let mut next = pool.first().copied();
    while let Some(h) = next {
        free[h.index()] = false;
        order.push(h);
        next = None;
        costs.search(platform, h, |n, _| {
            if free[n.index()] {
                next = Some(n);
                return false;
            }
            true
        });
        if next.is_none() {
            next = pool.iter().copied().find(|n| free[n.index()]);
        }
    }
    order
}

/// Which parallel axes vary fastest along a host order when ranks are laid out on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AxisOrder {
    /// Tensor, then data, then pipeline: Megatron-LM's rank order (data-parallel rings close together,
    /// pipeline neighbours `d · t` positions apart).
    TensorDataPipeline,
    /// Tensor, then pipeline, then data: a replica's stages are consecutive (pipeline neighbours
    /// `t` positions apart, data-parallel peers `p · t`).
    TensorPipelineData,
}

impl AxisOrder {
    /// Short label, e.g. `"t-d-p"`.
    pub fn label(self) -> &'static str {
        match self {
            AxisOrder::TensorDataPipeline => "t-d-p",
            AxisOrder::TensorPipelineData => "t-p-d",
        }
    }
}

/// Devices in rank order for `par` laid out along `order` (at least `par.devices()` hosts) by `axes`.
pub fn layout(par: Parallelism, order: &[NodeId], axes: AxisOrder) -> Vec<NodeId> {
    let (t, p) = (u64::from(par.tensor), u64::from(par.pipeline));
    (0..par.devices())
        .map(|r| {
            let (replica, stage, tp) = par.coordinates(r);
            let position = match axes {
                AxisOrder::TensorDataPipeline => r,
                AxisOrder::TensorPipelineData => u64::from(tp) + t * (u64::from(stage) + p * u64::from(replica)),
            };
            order[position as usize]
        })
        .collect()
}
