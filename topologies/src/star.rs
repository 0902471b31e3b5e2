//! One switch with every host hanging off it.

use sim_core::{ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::PlatformGraph;

/// A star: `hosts` hosts, each joined to one switch by one cable.
///
/// Nodes: `host0` … `host{hosts-1}` are [`sim_core::NodeId`]s `0 .. hosts` (site 0), then `switch`
/// (id `hosts`) with forwarding latency `switch_latency` [ps]. Links: cable `i` joins host `i` to the
/// switch, so link `2i` is host `i` → switch and `2i + 1` is switch → host `i`; both directions use
/// `link` (bandwidth [bytes/s], latency [ps], price [USD/GB], duplex).
///
/// A host-to-host route is 2 links and 1 switch hop: latency `2 · link.latency + switch_latency`.
///
/// # Panics
/// If `link.bandwidth` is 0, or `hosts` ≥ [`crate::MAX_NODES`] (a platform too large to build).
pub fn star(hosts: u32, device: &ComputeDevice, link: &LinkSpec, switch_latency: SimDuration) -> Platform {
    let mut g = PlatformGraph::new();
    let host_ids: Vec<_> = (0..hosts).map(|i| g.add_host(format!("host{i}"), device.clone(), 0)).collect();
    let switch = g.add_switch("switch", switch_latency, 0);
    for h in host_ids {
        g.connect(h, switch, link.clone());
    }
    match g.into_platform() {
        Ok(p) => p,
        Err(e) => panic!("invalid star: {e}"),
    }
}
