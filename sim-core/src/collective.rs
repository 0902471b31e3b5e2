//! Collectives built from flows, so that contention between them is real.
//!
//! Only the ring all-reduce exists so far; the other algorithms (tree, halving-doubling,
//! hierarchical) and collectives (reduce-scatter, all-gather, all-to-all, broadcast) build on the
//! same driver.

use crate::flow::FlowNetwork;
use crate::platform::{NodeId, Platform};
use crate::routing::{Router, RoutingError};
use crate::time::SimTime;

/// Runs a **step-synchronous ring all-reduce** of `bytes` over `hosts` (in ring order) on an
/// otherwise idle network, starting at `start`; returns when the last byte of the last step
/// arrives [ps].
///
/// The buffer is cut into `p = hosts.len()` chunks (sizes differ by at most one byte). In each of
/// `2(p − 1)` steps (p − 1 of reduce-scatter, p − 1 of all-gather), host `i` sends one chunk to
/// host `i + 1 mod p`, and the next step starts when every flow of the current one has arrived.
/// On links of bandwidth `B` and route latency `α` with no contention this takes
/// `2(p − 1)(α + bytes/(p·B))` (Thakur, Rabenseifner, Gropp, "Optimization of Collective
/// Communication Operations in MPICH", IJHPCA 19(1), 2005, §4.4 — Patarasuk & Yuan's bandwidth-optimal ring).
///
/// # Errors
/// [`RoutingError`] if two ring neighbours are not connected.
pub fn ring_all_reduce(
    platform: &Platform,
    router: &mut Router,
    net: &mut FlowNetwork,
    hosts: &[NodeId],
    bytes: u64,
    start: SimTime,
) -> Result<SimTime, RoutingError> {
    let p = hosts.len() as u64;
    if p < 2 {
        return Ok(start);
    }
    let routes = (0..hosts.len())
        .map(|i| router.route(platform, hosts[i], hosts[(i + 1) % hosts.len()], i as u64))
        .collect::<Result<Vec<_>, _>>()?;
    let chunk = |c: u64| bytes / p + u64::from(c < bytes % p);
    let mut now = start;
    for step in 0..2 * (p - 1) {
        for (i, route) in routes.iter().enumerate() {
            // Host i sends chunk (i − step) mod p in this step.
            let c = (i as u64 + p - step % p) % p;
            net.start(now, route, chunk(c), i as u64);
        }
        let mut outstanding = routes.len();
        while outstanding > 0 {
            let t = net.next_time().expect("flows of this step are pending");
            outstanding -= net.advance(t).len();
            now = t;
        }
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::LinkSpec;
    use crate::time::{transfer_time, BytesPerSec, SimDuration};

    /// System: N hosts on a star (one switch, zero hop latency) of full-duplex links with per-link
    /// latency L and bandwidth B; ring all-reduce of M bytes, M divisible by N.
    /// Expectation: 2(N−1)(2L + M/(N·B)), exact to the picosecond rounding of each step.
    #[test]
    fn ring_all_reduce_matches_closed_form() {
        for n in [2u64, 3, 4, 8, 16] {
            let latency = SimDuration::from_ns(1_500);
            let bw = BytesPerSec(12_500_000_000);
            let m = 48_000_000 * n;
            let mut p = Platform::new();
            let sw = p.add_switch("switch", SimDuration::ZERO, 0);
            let dev = crate::compute::test_device();
            let hosts: Vec<NodeId> = (0..n).map(|i| p.add_host(format!("h{i}"), dev.clone(), 0)).collect();
            for &h in &hosts {
                p.connect(h, sw, &LinkSpec::new(bw, latency));
            }
            let mut router = Router::new(&p);
            let mut net = FlowNetwork::new(&p);
            let end = ring_all_reduce(&p, &mut router, &mut net, &hosts, m, SimTime::ZERO).unwrap();
            let step = SimDuration(2 * latency.0) + transfer_time(m / n, bw);
            assert_eq!(end, SimTime(2 * (n - 1) * step.0), "n = {n}");
        }
    }
}
