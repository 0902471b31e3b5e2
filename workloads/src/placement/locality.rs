//! How sparse and local a plan's traffic is, measured on a simulated iteration run with
//! [`sim_core::training::TrainingConfig::traffic_matrix`] (all traffic counted, tensor-parallel
//! collectives included; see [`TrainingRun::bytes_sent`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use sim_core::training::TrainingRun;
use sim_core::{NodeId, PathSelection, Platform, Router, RoutingError};

/// Locality of one plan's traffic in one iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct Locality {
    /// Bytes sent between devices [bytes].
    pub bytes_sent: u64,
    /// Bytes × links crossed: the sum over links of the bytes each carried [bytes].
    pub byte_hops: u64,
    /// `byte_hops / bytes_sent`: links the average byte crosses.
    pub mean_hops: f64,
    /// Share of the bytes sent to one of the sender's nearest devices (fewest links away from it:
    /// one cable, or one switch), in [0, 1].
    pub one_hop_share: f64,
    /// Distinct devices each device exchanges bytes with, mean over the plan's devices.
    pub peers_mean: f64,
    /// The same, the largest.
    pub peers_max: u32,
    /// Bytes carried by the most loaded link [bytes], and that link's (source, destination) nodes.
    pub max_link_bytes: u64,
    /// The most loaded link's ends (the lowest link id on ties); `None` without traffic.
    pub max_link: Option<(NodeId, NodeId)>,
    /// Busiest link's bytes over its bandwidth: the time it must spend sending [s]. Compare with the
    /// iteration time.
    pub max_link_busy_s: f64,
    /// Bytes each (source rank, destination rank) pair sent, ascending by pair [bytes]: the traffic
    /// matrix in rank order.
    pub traffic: Vec<((u32, u32), u64)>,
}

/// Links from `src` to its nearest other host, through forwarding nodes (breadth-first).
fn nearest_host_links(platform: &Platform, src: NodeId) -> Option<u32> {
    let mut seen = vec![false; platform.nodes.len()];
    let mut queue = VecDeque::from([(src, 0u32)]);
    seen[src.index()] = true;
    while let Some((n, d)) = queue.pop_front() {
        if n != src && platform.is_host(n) {
            return Some(d);
        }
        if n != src && !platform.nodes[n.index()].forwards {
            continue;
        }
        for &l in &platform.out_links[n.index()] {
            let next = platform.links[l.index()].dst;
            if !seen[next.index()] {
                seen[next.index()] = true;
                queue.push_back((next, d + 1));
            }
        }
    }
    None
}

/// The locality of `run`, an iteration of a plan whose devices in rank order are `devices`, on
/// `platform` with routes chosen by `selection`.
///
/// # Errors
/// [`RoutingError`] if a pair that exchanged bytes has no route (cannot happen for a run that
/// completed on the same platform).
pub fn locality(
    platform: &Platform,
    run: &TrainingRun,
    devices: &[NodeId],
    selection: PathSelection,
) -> Result<Locality, RoutingError> {
    let rank: BTreeMap<NodeId, u32> = devices.iter().enumerate().map(|(r, &n)| (n, r as u32)).collect();
    let mut router = Router::with_selection(platform, selection);
    let mut nearest = BTreeMap::new();
    let mut near_bytes = 0u64;
    let mut peers: BTreeMap<NodeId, BTreeSet<NodeId>> = BTreeMap::new();
    for &((a, b), bytes) in &run.traffic {
        let hops = router.route(platform, a, b, 0)?.links.len() as u32;
        let min = *nearest.entry(a).or_insert_with(|| nearest_host_links(platform, a).unwrap_or(u32::MAX));
        if hops <= min {
            near_bytes += bytes;
        }
        peers.entry(a).or_default().insert(b);
        peers.entry(b).or_default().insert(a);
    }
    let bytes_sent: u64 = run.traffic.iter().map(|(_, b)| b).sum();
    let byte_hops: u64 = run.link_bytes.iter().sum();
    let (max_id, max_link_bytes) =
        run.link_bytes.iter().enumerate().fold((None, 0u64), |acc, (i, &b)| if b > acc.1 { (Some(i), b) } else { acc });
    let max_link = max_id.map(|i| (platform.links[i].src, platform.links[i].dst));
    let max_link_busy_s = max_id.map_or(0.0, |i| max_link_bytes as f64 / platform.links[i].bandwidth.0 as f64);
    let counts: Vec<usize> = devices.iter().map(|d| peers.get(d).map_or(0, BTreeSet::len)).collect();
    let traffic = run
        .traffic
        .iter()
        .filter_map(|&((a, b), bytes)| Some(((*rank.get(&a)?, *rank.get(&b)?), bytes)))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    Ok(Locality {
        bytes_sent,
        byte_hops,
        mean_hops: if bytes_sent > 0 { byte_hops as f64 / bytes_sent as f64 } else { 0.0 },
        one_hop_share: if bytes_sent > 0 { near_bytes as f64 / bytes_sent as f64 } else { 0.0 },
        peers_mean: if counts.is_empty() { 0.0 } else { counts.iter().sum::<usize>() as f64 / counts.len() as f64 },
        peers_max: counts.iter().copied().max().unwrap_or(0) as u32,
        max_link_bytes,
        max_link,
        max_link_busy_s,
        traffic,
    })
}
