//! Helpers shared by the builder tests.

use std::collections::VecDeque;

use sim_core::{NodeId, Platform, Router, SimDuration};

/// Every host reaches every other host through `sim_core`'s router (only switches forward).
pub(crate) fn assert_all_routable(p: &Platform) {
    let mut router = Router::new(p);
    let hosts = p.hosts();
    for &a in &hosts {
        for &b in &hosts {
            if let Err(e) = router.route(p, a, b, u64::from(a.0) << 32 | u64::from(b.0)) {
                panic!("{e}");
            }
        }
    }
}

/// Number of cables at the node called `name` (its out-degree in links).
pub(crate) fn degree(p: &Platform, name: &str) -> usize {
    let n = p.node_by_name(name).unwrap_or_else(|| panic!("no node {name}"));
    p.out_links[n.index()].len()
}

/// Links and latency of the router's route between the nodes called `a` and `b` (flow key 0).
pub(crate) fn route_links(p: &Platform, a: &str, b: &str) -> (usize, SimDuration) {
    let (a, b) = (p.node_by_name(a).unwrap(), p.node_by_name(b).unwrap());
    let route = Router::new(p).route(p, a, b, 0).unwrap();
    (route.links.len(), route.latency)
}

/// Hop distances from `src` to every node over all links, forwarding through any node (hosts included):
/// the distances a platform would have if hosts forwarded.
pub(crate) fn bfs_any_forwarding(p: &Platform, src: NodeId) -> Vec<u32> {
    let mut dist = vec![u32::MAX; p.nodes.len()];
    dist[src.index()] = 0;
    let mut queue = VecDeque::from([src]);
    while let Some(n) = queue.pop_front() {
        for &l in &p.out_links[n.index()] {
            let d = p.links[l.index()].dst;
            if dist[d.index()] == u32::MAX {
                dist[d.index()] = dist[n.index()] + 1;
                queue.push_back(d);
            }
        }
    }
    dist
}
