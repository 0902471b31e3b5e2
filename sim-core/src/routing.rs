//! Routes: shortest paths by hop count with deterministic equal-cost multi-path (ECMP) choice.
//!
//! Only forwarding nodes relay: a route's intermediate nodes are switches, or hosts marked as
//! forwarding (GPUs relaying on optical fabrics); its ends are the source and destination hosts.
//! Links can be taken down and brought back ([`Router::set_link_up`]), as an optical circuit
//! switch does when it reconfigures; routes then follow the circuits that are up.
//!
//! Among equal-length next hops the router picks one by its [`PathSelection`]: by default a
//! stateless hash of the flow's key and the current node, so the same flow key always takes the same
//! path and different flows spread over the equal-cost paths (hash-based ECMP, as in Ethernet
//! data-center switches); or by destination modulo the number of choices (d-mod-k, the static
//! routing InfiniBand subnet managers install on fat-trees and SimGrid's fat-tree zone uses).

use crate::platform::{LinkId, NodeId, NodeKind, Platform};
use crate::rng::mix64;
use crate::time::SimDuration;

/// A path through the platform.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// Links in the order traversed; empty when source and destination are the same node.
    pub links: Vec<LinkId>,
    /// Sum of the links' propagation latencies and the per-hop latency of every switch crossed [ps].
    pub latency: SimDuration,
}

/// Why no route exists.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    /// The destination cannot be reached from the source through switches.
    #[error("no route from node {src} to node {dst}")]
    Unreachable {
        /// Source node name.
        src: String,
        /// Destination node name.
        dst: String,
    },
}

/// How a route picks among equal-length next hops (candidates in the node's link order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSelection {
    /// Hash-based ECMP: candidate `mix64(flow_key ^ mix64(node)) mod c` (the default).
    #[default]
    Hash,
    /// Destination-mod-k (Zahavi, "D-Mod-K routing providing non-blocking traffic for shift
    /// permutations on real life fat trees", CCIT report 776, Technion, 2010; OpenSM's `ftree`
    /// engine): with `q` the destination's index among the platform's hosts, a hop with `c`
    /// candidates takes candidate `q mod c` and continues with `q ← q div c`. On a fat-tree built
    /// with consecutive host indices under each switch this spreads the destinations evenly over
    /// the up-links of every level, so shifts and all-to-all meet no collision; the flow key is
    /// ignored.
    DestinationModK,
}

/// Computes and caches hop-count distances per destination.
#[derive(Clone, Debug)]
pub struct Router {
    in_links: Vec<Vec<LinkId>>,
    /// `dist[dst][n]`: hops from `n` to `dst` (u32::MAX = unreachable), computed on first use.
    dist: Vec<Option<Vec<u32>>>,
    /// Whether each link currently carries traffic.
    up: Vec<bool>,
    selection: PathSelection,
    /// Index of each node among the platform's hosts (for [`PathSelection::DestinationModK`]).
    host_index: Vec<u32>,
}

impl Router {
    /// A router for `platform` (which must not change afterwards) with hash-based ECMP.
    pub fn new(platform: &Platform) -> Self {
        Self::with_selection(platform, PathSelection::Hash)
    }

    /// A router for `platform` (which must not change afterwards) picking among equal-cost next
    /// hops by `selection`.
    pub fn with_selection(platform: &Platform, selection: PathSelection) -> Self {
        let mut in_links = vec![Vec::new(); platform.nodes.len()];
        for (i, l) in platform.links.iter().enumerate() {
            in_links[l.dst.index()].push(LinkId(i as u32));
        }
        let mut host_index = vec![0; platform.nodes.len()];
        for (i, h) in platform.hosts().into_iter().enumerate() {
            host_index[h.index()] = i as u32;
        }
        Router {
            in_links,
            dist: vec![None; platform.nodes.len()],
            up: vec![true; platform.links.len()],
            selection,
            host_index,
        }
    }

    /// How this router picks among equal-cost next hops.
    pub fn selection(&self) -> PathSelection {
        self.selection
    }

    /// The route from `src` to `dst` for a flow with ECMP key `flow_key`.
    ///
    /// # Errors
    /// [`RoutingError::Unreachable`] if no path through switches joins them.
    ///
    /// # Complexity
    /// O(V + E) the first time a destination is asked for (breadth-first search), then O(hops · degree).
    pub fn route(
        &mut self,
        platform: &Platform,
        src: NodeId,
        dst: NodeId,
        flow_key: u64,
    ) -> Result<Route, RoutingError> {
        if src == dst {
            return Ok(Route::default());
        }
        self.compute_distances(platform, dst);
        let (dist, up) = (self.dist[dst.index()].as_deref().expect("just computed"), &self.up);
        if dist[src.index()] == u32::MAX {
            return Err(RoutingError::Unreachable {
                src: platform.nodes[src.index()].name.clone(),
                dst: platform.nodes[dst.index()].name.clone(),
            });
        }
        let mut links = Vec::with_capacity(dist[src.index()] as usize);
        let mut latency = SimDuration::ZERO;
        let mut at = src;
        let mut q = u64::from(self.host_index[dst.index()]);
        while at != dst {
            let want = dist[at.index()] - 1;
            let is_candidate = |l: &&LinkId| up[l.index()] && dist[platform.links[l.index()].dst.index()] == want;
            let out = &platform.out_links[at.index()];
            let c = out.iter().filter(is_candidate).count() as u64;
            let k = match self.selection {
                PathSelection::Hash => mix64(flow_key ^ mix64(at.0 as u64)) % c,
                PathSelection::DestinationModK => {
                    let k = q % c;
                    q /= c;
                    k
                }
            };
            let pick = *out.iter().filter(is_candidate).nth(k as usize).expect("k < candidates");
            let link = &platform.links[pick.index()];
            latency += link.latency;
            if let NodeKind::Switch { hop_latency } = platform.nodes[link.dst.index()].kind {
                latency += hop_latency;
            }
            links.push(pick);
            at = link.dst;
        }
        Ok(Route { links, latency })
    }

    /// Takes link `link` down (`up = false`) or brings it back; later routes avoid down links.
    /// Cached distances are dropped when the set of links changes.
    pub fn set_link_up(&mut self, link: LinkId, up: bool) {
        if self.up[link.index()] != up {
            self.up[link.index()] = up;
            self.dist.iter_mut().for_each(|d| *d = None);
        }
    }

    /// Whether `link` is up.
    pub fn is_link_up(&self, link: LinkId) -> bool {
        self.up[link.index()]
    }

    fn compute_distances(&mut self, platform: &Platform, dst: NodeId) {
        if self.dist[dst.index()].is_none() {
            let mut dist = vec![u32::MAX; platform.nodes.len()];
            dist[dst.index()] = 0;
            let mut frontier = std::collections::VecDeque::from([dst]);
            while let Some(n) = frontier.pop_front() {
                // Only the destination itself and forwarding nodes are passed through.
                if n != dst && !platform.nodes[n.index()].forwards {
                    continue;
                }
                for &l in &self.in_links[n.index()] {
                    if !self.up[l.index()] {
                        continue;
                    }
                    let p = platform.links[l.index()].src;
                    if dist[p.index()] == u32::MAX {
                        dist[p.index()] = dist[n.index()] + 1;
                        frontier.push_back(p);
                    }
                }
            }
            self.dist[dst.index()] = Some(dist);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::LinkSpec;
    use crate::time::BytesPerSec;

    /// Two hosts under two parallel switches: both two-hop paths are used by some flow key, and the
    /// same key always takes the same one.
    #[test]
    fn ecmp_spreads_flows_deterministically() {
        let mut p = Platform::new();
        let a = p.add_host("a", crate::compute::test_device(), 0);
        let b = p.add_host("b", crate::compute::test_device(), 0);
        let s1 = p.add_switch("s1", SimDuration::from_ns(100), 0);
        let s2 = p.add_switch("s2", SimDuration::from_ns(100), 0);
        let spec = LinkSpec::new(BytesPerSec(1_000), SimDuration::from_ns(10));
        for s in [s1, s2] {
            p.connect(a, s, &spec);
            p.connect(s, b, &spec);
        }
        let mut r = Router::new(&p);
        let routes: Vec<Route> = (0..16).map(|k| r.route(&p, a, b, k).unwrap()).collect();
        assert!(routes.iter().all(|x| x.links.len() == 2 && x.latency == SimDuration::from_ns(120)));
        let via_s1 = routes.iter().filter(|x| p.links[x.links[0].index()].dst == s1).count();
        assert!(via_s1 > 0 && via_s1 < 16, "{via_s1}");
        assert_eq!(r.route(&p, a, b, 3).unwrap(), routes[3]);
    }

    /// System: a leaf/spine fat-tree of 4 leaves × 4 hosts and 4 spines, d-mod-k selection.
    /// Expectation: every route to host d crosses spine d mod 4 (so each spine's down-link to a
    /// leaf carries the routes to exactly one of its hosts, and each leaf up-link the routes to a
    /// quarter of the destinations); hash selection uses more than one spine for some destination.
    #[test]
    fn destination_mod_k_spreads_destinations_over_spines() {
        let mut p = Platform::new();
        let hosts: Vec<NodeId> =
            (0..16).map(|i| p.add_host(format!("h{i}"), crate::compute::test_device(), 0)).collect();
        let spines: Vec<NodeId> = (0..4).map(|i| p.add_switch(format!("s{i}"), SimDuration::ZERO, 0)).collect();
        let spec = LinkSpec::new(BytesPerSec(1_000), SimDuration::from_ns(10));
        for l in 0..4 {
            let leaf = p.add_switch(format!("l{l}"), SimDuration::ZERO, 0);
            for &h in &hosts[l * 4..l * 4 + 4] {
                p.connect(h, leaf, &spec);
            }
            for &s in &spines {
                p.connect(leaf, s, &spec);
            }
        }
        let spine_of = |r: &Route| {
            let n = p.links[r.links[1].index()].dst;
            spines.iter().position(|&s| s == n).expect("second hop reaches a spine")
        };
        let mut dmodk = Router::with_selection(&p, PathSelection::DestinationModK);
        let mut hash = Router::new(&p);
        let mut hash_spread = false;
        for d in 0..16 {
            let mut hash_spines = Vec::new();
            for s in (0..16).filter(|&s| s / 4 != d / 4) {
                let r = dmodk.route(&p, hosts[s], hosts[d], s as u64).unwrap();
                assert_eq!(r.links.len(), 4);
                assert_eq!(spine_of(&r), d % 4, "route {s} -> {d}");
                hash_spines.push(spine_of(&hash.route(&p, hosts[s], hosts[d], s as u64).unwrap()));
            }
            hash_spines.sort_unstable();
            hash_spines.dedup();
            hash_spread |= hash_spines.len() > 1;
        }
        assert!(hash_spread, "hash ECMP spreads some destination over several spines");
    }

    #[test]
    fn hosts_do_not_forward() {
        let mut p = Platform::new();
        let a = p.add_host("a", crate::compute::test_device(), 0);
        let b = p.add_host("b", crate::compute::test_device(), 0);
        let c = p.add_host("c", crate::compute::test_device(), 0);
        let spec = LinkSpec::new(BytesPerSec(1_000), SimDuration::ZERO);
        p.connect(a, b, &spec);
        p.connect(b, c, &spec);
        let mut r = Router::new(&p);
        assert!(r.route(&p, a, b, 0).is_ok());
        assert!(matches!(r.route(&p, a, c, 0), Err(RoutingError::Unreachable { .. })));
    }
}
