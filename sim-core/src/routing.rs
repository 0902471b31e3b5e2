//! Routes: shortest paths by hop count with deterministic equal-cost multi-path (ECMP) choice.
//!
//! Only forwarding nodes relay: a route's intermediate nodes are switches, or hosts marked as
//! forwarding (GPUs relaying on optical fabrics); its ends are the source and destination hosts.
//! Links can be taken down and brought back ([`Router::set_link_up`]), as an optical circuit
//! switch does when it reconfigures; routes then follow the circuits that are up. Among equal-length next hops the router picks one by a stateless hash of the
//! flow's key and the current node, so the same flow key always takes the same path and different
//! flows spread over the equal-cost paths (as hash-based ECMP does in data-center switches).

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

/// Computes and caches hop-count distances per destination.
#[derive(Clone, Debug)]
pub struct Router {
    in_links: Vec<Vec<LinkId>>,
    /// `dist[dst][n]`: hops from `n` to `dst` (u32::MAX = unreachable), computed on first use.
    dist: Vec<Option<Vec<u32>>>,
    /// Whether each link currently carries traffic.
    up: Vec<bool>,
}

impl Router {
    /// A router for `platform` (which must not change afterwards).
    pub fn new(platform: &Platform) -> Self {
        let mut in_links = vec![Vec::new(); platform.nodes.len()];
        for (i, l) in platform.links.iter().enumerate() {
            in_links[l.dst.index()].push(LinkId(i as u32));
        }
        Router { in_links, dist: vec![None; platform.nodes.len()], up: vec![true; platform.links.len()] }
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
        while at != dst {
            let want = dist[at.index()] - 1;
            let candidates: Vec<LinkId> = platform.out_links[at.index()]
                .iter()
                .copied()
                .filter(|l| up[l.index()] && dist[platform.links[l.index()].dst.index()] == want)
                .collect();
            let pick = candidates[(mix64(flow_key ^ mix64(at.0 as u64)) % candidates.len() as u64) as usize];
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
