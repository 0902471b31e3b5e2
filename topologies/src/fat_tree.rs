//! Two-level leaf/spine fat-tree (folded Clos) with a chosen oversubscription ratio.

use sim_core::{BytesPerSec, ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::{PlatformGraph, TopologyError};

/// A two-level leaf/spine fat-tree: `leaves` leaf switches with `hosts_per_leaf` hosts each, and every
/// leaf joined to every one of `spines` spine switches by one cable.
///
/// The leaf–spine cables are sized from the **oversubscription ratio** `r` = (downlink capacity of a
/// leaf) / (uplink capacity of a leaf) = `hosts_per_leaf · host_bw / (spines · leaf_spine_bw)`. `r = 1`
/// is a non-blocking fabric; `r = 3` (a common "3:1") gives each leaf a third of its hosts' bandwidth
/// towards the spines. See [`FatTreeSpec::leaf_spine_bandwidth`].
#[derive(Clone, Debug, PartialEq)]
pub struct FatTreeSpec {
    /// Number of leaf (top-of-rack) switches, ≥ 1.
    pub leaves: u32,
    /// Hosts attached to each leaf, ≥ 1.
    pub hosts_per_leaf: u32,
    /// Number of spine switches, ≥ 1.
    pub spines: u32,
    /// Cable between a host and its leaf: bandwidth [bytes/s], latency [ps], price [USD/GB], duplex.
    pub host_link: LinkSpec,
    /// Oversubscription ratio `r` (dimensionless), finite and > 0; 1 = non-blocking.
    pub oversubscription: f64,
    /// Propagation latency of each leaf–spine cable [ps].
    pub spine_link_latency: SimDuration,
    /// Forwarding latency of every leaf and spine switch [ps].
    pub switch_latency: SimDuration,
}

impl FatTreeSpec {
    /// Bandwidth of each direction of each leaf–spine cable [bytes/s]:
    /// `hosts_per_leaf · host_link.bandwidth / (spines · oversubscription)`, rounded to the nearest
    /// whole byte/s.
    ///
    /// # Errors
    /// [`TopologyError::ZeroCount`] if `leaves`, `hosts_per_leaf` or `spines` is 0;
    /// [`TopologyError::InvalidRatio`] if `oversubscription` is not finite or ≤ 0;
    /// [`TopologyError::InvalidBandwidth`] if the host link bandwidth is 0, or the result rounds to 0 or
    /// exceeds `u64`.
    pub fn leaf_spine_bandwidth(&self) -> Result<BytesPerSec, TopologyError> {
        self.validate()?;
        let bw = f64::from(self.hosts_per_leaf) * self.host_link.bandwidth.0 as f64
            / (f64::from(self.spines) * self.oversubscription);
        let rounded = bw.round();
        // 2^64 as f64 is exact; anything at or above it does not fit.
        if !(1.0..18_446_744_073_709_551_616.0).contains(&rounded) {
            return Err(TopologyError::InvalidBandwidth { field: "leaf_spine_bandwidth", value: bw });
        }
        Ok(BytesPerSec(rounded as u64))
    }

    fn validate(&self) -> Result<(), TopologyError> {
        for (field, value) in
            [("leaves", self.leaves), ("hosts_per_leaf", self.hosts_per_leaf), ("spines", self.spines)]
        {
            if value == 0 {
                return Err(TopologyError::ZeroCount { field, value: 0 });
            }
        }
        let r = self.oversubscription;
        if !(r.is_finite() && r > 0.0) {
            return Err(TopologyError::InvalidRatio { field: "oversubscription", value: r });
        }
        if self.host_link.bandwidth.0 == 0 {
            return Err(TopologyError::InvalidBandwidth { field: "host_link.bandwidth", value: 0.0 });
        }
        let hosts = u64::from(self.leaves) * u64::from(self.hosts_per_leaf);
        let nodes = hosts + u64::from(self.leaves) + u64::from(self.spines);
        if nodes > crate::MAX_NODES {
            // Blame the largest count: the one to lower.
            let (field, value) =
                [("leaves", self.leaves), ("hosts_per_leaf", self.hosts_per_leaf), ("spines", self.spines)]
                    .into_iter()
                    .max_by_key(|&(_, v)| v)
                    .expect("three counts");
            return Err(TopologyError::TooLarge { field, value: value.into() });
        }
        let links = 2 * (hosts + u64::from(self.leaves) * u64::from(self.spines));
        if links > crate::MAX_LINKS {
            return Err(TopologyError::TooLarge { field: "spines", value: self.spines.into() });
        }
        Ok(())
    }
}

/// Builds the fat-tree of `spec`, every host with compute device `device`.
///
/// Nodes, in [`sim_core::NodeId`] order (all site 0):
/// - hosts `host0` … `host{H-1}`, `H = leaves · hosts_per_leaf`, **leaf-major**: host `i` is on leaf
///   `i / hosts_per_leaf`, and its `NodeId` is `i`;
/// - leaves `leaf0` … `leaf{leaves-1}` (ids `H ..`), then spines `spine0` … (ids `H + leaves ..`).
///
/// Cables, in link order (cable `c` gives links `2c` = first → second endpoint and `2c + 1` back):
/// host `i` ↔ its leaf for `i = 0 .. H` (spec `host_link`), then leaf `j` ↔ spine `k` for `j` outer,
/// `k` inner (full duplex, [`FatTreeSpec::leaf_spine_bandwidth`], `spine_link_latency`, price 0).
///
/// A route between hosts on different leaves crosses 4 links and 3 switches; there are `spines`
/// equal-cost paths between two leaves.
///
/// # Errors
/// As [`FatTreeSpec::leaf_spine_bandwidth`], and [`TopologyError::TooLarge`] beyond [`crate::MAX_NODES`] nodes or [`crate::MAX_LINKS`] links.
pub fn fat_tree(spec: &FatTreeSpec, device: &ComputeDevice) -> Result<Platform, TopologyError> {
    let uplink_bw = spec.leaf_spine_bandwidth()?;
    let uplink = LinkSpec::new(uplink_bw, spec.spine_link_latency);
    let mut g = PlatformGraph::new();
    let hosts: Vec<_> =
        (0..spec.leaves * spec.hosts_per_leaf).map(|i| g.add_host(format!("host{i}"), device.clone(), 0)).collect();
    let leaves: Vec<_> = (0..spec.leaves).map(|j| g.add_switch(format!("leaf{j}"), spec.switch_latency, 0)).collect();
    let spines: Vec<_> = (0..spec.spines).map(|k| g.add_switch(format!("spine{k}"), spec.switch_latency, 0)).collect();
    for (i, &h) in hosts.iter().enumerate() {
        g.connect(h, leaves[i / spec.hosts_per_leaf as usize], spec.host_link.clone());
    }
    for &leaf in &leaves {
        for &spine in &spines {
            g.connect(leaf, spine, uplink.clone());
        }
    }
    g.into_platform()
}
