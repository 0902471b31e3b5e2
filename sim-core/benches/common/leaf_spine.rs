//! The leaf/spine fabric of the scale measurements (`benches/collectives.rs`, `examples/scale.rs`):
//! a non-blocking two-level fat-tree of 400 Gb/s host ports (50 GB/s, 500 ns), 32 hosts per leaf
//! and 16 spines joined by 800 Gb/s up-links (100 GB/s, 500 ns), switches forwarding in 300 ns.

use sim_core::platform::LinkSpec;
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, NodeId, Platform, SimDuration};

/// The fabric for `hosts` hosts (host `i` is node `i`, the hosts of a leaf are consecutive).
pub fn fat_tree(hosts: u32) -> Platform {
    let per_leaf = 32.min(hosts);
    let leaves = hosts.div_ceil(per_leaf);
    let mut p = Platform::new();
    let dev = ComputeDevice {
        peak: FlopPerSec(1),
        efficiency: 1.0,
        memory_bytes: 1,
        memory_bandwidth: BytesPerSec(1),
        launch_overhead: SimDuration::ZERO,
    };
    let host_ids: Vec<NodeId> = (0..hosts).map(|i| p.add_host(format!("h{i}"), dev.clone(), 0)).collect();
    let spines: Vec<NodeId> =
        (0..16).map(|i| p.add_switch(format!("spine{i}"), SimDuration::from_ns(300), 0)).collect();
    let host_link = LinkSpec::new(BytesPerSec(50_000_000_000), SimDuration::from_ns(500));
    // Non-blocking: 32 hosts × 50 GB/s up each leaf = 16 spines × 100 GB/s.
    let uplink = LinkSpec::new(BytesPerSec(100_000_000_000), SimDuration::from_ns(500));
    for l in 0..leaves {
        let leaf = p.add_switch(format!("leaf{l}"), SimDuration::from_ns(300), 0);
        for &h in &host_ids[(l * per_leaf) as usize..((l + 1) * per_leaf).min(hosts) as usize] {
            p.connect(h, leaf, &host_link);
        }
        for &s in &spines {
            p.connect(leaf, s, &uplink);
        }
    }
    p
}
