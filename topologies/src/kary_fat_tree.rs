//! Three-level k-ary fat-tree (Al-Fares, Loukissas, Vahdat, "A Scalable, Commodity Data Center Network
//! Architecture", SIGCOMM 2008), with an oversubscription ratio at the edge.

use sim_core::{BytesPerSec, ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::util::{check_size, positive_bandwidth, uplink_bandwidth};
use crate::{PlatformGraph, TopologyError};

/// A k-ary fat-tree of k-port switches: `k` pods, each with `k/2` edge and `k/2` aggregation switches;
/// `(k/2)²` core switches; each edge switch serves `k/2` hosts. Totals: `k³/4` hosts, `5k²/4` switches,
/// `3k³/4` cables (`k³/4` per layer).
///
/// **Where bandwidth is cut.** Only at the edge: each edge → aggregation cable carries
/// [`KaryFatTreeSpec::fabric_bandwidth`] `= host_link.bandwidth / oversubscription` each way, so an edge
/// switch's `k/2` host ports offer `oversubscription` times what its `k/2` uplinks carry. Aggregation → core
/// cables have the same rate as edge → aggregation cables, so the aggregation layer adds no further cut
/// (each aggregation switch has `k/2` cables down and `k/2` up at one rate). `oversubscription = 1` is Al-Fares'
/// full-bisection tree.
#[derive(Clone, Debug, PartialEq)]
pub struct KaryFatTreeSpec {
    /// Switch radix `k`: even, ≥ 2.
    pub k: u32,
    /// Cable between a host and its edge switch: bandwidth [bytes/s], latency [ps], price [USD/GB], duplex.
    pub host_link: LinkSpec,
    /// Edge oversubscription ratio (dimensionless), finite and > 0; 1 = full bisection bandwidth.
    pub oversubscription: f64,
    /// Propagation latency of every edge–aggregation and aggregation–core cable [ps].
    pub fabric_link_latency: SimDuration,
    /// Forwarding latency of every switch [ps].
    pub switch_latency: SimDuration,
}

impl KaryFatTreeSpec {
    /// Hosts: `k³/4`.
    pub fn hosts(&self) -> u64 {
        u64::from(self.k).pow(3) / 4
    }

    /// Switches: `k²/2` edge + `k²/2` aggregation + `k²/4` core = `5k²/4`.
    pub fn switches(&self) -> u64 {
        5 * u64::from(self.k).pow(2) / 4
    }

    /// Bandwidth of each edge–aggregation and aggregation–core cable, each way [bytes/s]:
    /// `host_link.bandwidth / oversubscription`, rounded to the nearest whole byte/s.
    ///
    /// # Errors
    /// As [`k_ary_fat_tree`].
    pub fn fabric_bandwidth(&self) -> Result<BytesPerSec, TopologyError> {
        self.validate()?;
        let half = u64::from(self.k / 2);
        uplink_bandwidth(
            half,
            self.host_link.bandwidth,
            half,
            self.oversubscription,
            "oversubscription",
            "fabric_bandwidth",
        )
    }

    fn validate(&self) -> Result<(), TopologyError> {
        if self.k < 2 || self.k % 2 == 1 {
            return Err(TopologyError::InvalidValue {
                field: "k",
                value: self.k.into(),
                reason: "a k-ary fat-tree needs an even switch radix k ≥ 2",
            });
        }
        positive_bandwidth("host_link.bandwidth", self.host_link.bandwidth)?;
        let k = u128::from(self.k);
        check_size(u128::from(self.hosts()) + u128::from(self.switches()), 3 * k * k * k / 4, "k", self.k.into())
    }
}

/// Builds the k-ary fat-tree of `spec`, every host with compute device `device`. All nodes are site 0.
/// Let `h = k/2`.
///
/// Nodes, in [`sim_core::NodeId`] order:
/// 1. hosts `host{i}`, `i < k³/4`, **pod-major, then edge switch**: host `i` hangs off edge switch `i / h`
///    (global edge index), which is edge `(i / h) mod h` of pod `i / h²`;
/// 2. edge switches `pod{p}/edge{j}` (pod-major);
/// 3. aggregation switches `pod{p}/agg{a}` (pod-major);
/// 4. core switches `core{c}`, `c < h²`.
///
/// Cables, in link order (cable `c` gives links `2c` = first → second endpoint, `2c + 1` back):
/// 1. host `i` ↔ its edge switch, `i` ascending (`host_link`);
/// 2. `pod{p}/edge{j}` ↔ `pod{p}/agg{a}` for `p`, `j`, `a` nested in that order
///    ([`KaryFatTreeSpec::fabric_bandwidth`], `fabric_link_latency`);
/// 3. `pod{p}/agg{a}` ↔ `core{a·h + m}` for `p`, `a`, `m < h` nested in that order (same rate and latency):
///    aggregation switch `a` of every pod reaches core group `a`, as in Al-Fares et al.
///
/// Routes: hosts on one edge switch are 2 links apart, in one pod 4, across pods 6 (with `h²` equal-cost
/// paths between pods, spread by `sim_core`'s ECMP).
///
/// # Errors
/// [`TopologyError::InvalidValue`] for an odd `k` or `k < 2`; [`TopologyError::InvalidRatio`] for a bad
/// oversubscription; [`TopologyError::InvalidBandwidth`] for a zero host bandwidth or a fabric bandwidth that
/// rounds to 0; [`TopologyError::TooLarge`] beyond [`crate::MAX_NODES`] nodes or [`crate::MAX_LINKS`] links.
pub fn k_ary_fat_tree(spec: &KaryFatTreeSpec, device: &ComputeDevice) -> Result<Platform, TopologyError> {
    let fabric = LinkSpec::new(spec.fabric_bandwidth()?, spec.fabric_link_latency);
    let (k, h) = (spec.k as usize, spec.k as usize / 2);
    let mut g = PlatformGraph::new();
    let hosts: Vec<_> = (0..spec.hosts()).map(|i| g.add_host(format!("host{i}"), device.clone(), 0)).collect();
    let mut switches = |kind: &str| -> Vec<_> {
        (0..k * h).map(|x| g.add_switch(format!("pod{}/{kind}{}", x / h, x % h), spec.switch_latency, 0)).collect()
    };
    let edges = switches("edge");
    let aggs = switches("agg");
    let cores: Vec<_> = (0..h * h).map(|c| g.add_switch(format!("core{c}"), spec.switch_latency, 0)).collect();
    for (i, &host) in hosts.iter().enumerate() {
        g.connect(host, edges[i / h], spec.host_link.clone());
    }
    for p in 0..k {
        for j in 0..h {
            for a in 0..h {
                g.connect(edges[p * h + j], aggs[p * h + a], fabric.clone());
            }
        }
    }
    for p in 0..k {
        for a in 0..h {
            for m in 0..h {
                g.connect(aggs[p * h + a], cores[a * h + m], fabric.clone());
            }
        }
    }
    g.into_platform()
}

#[cfg(test)]
mod tests {
    use sim_core::NodeId;

    use super::*;
    use crate::test_util::{assert_all_routable, degree, route_links};

    fn spec(k: u32, r: f64) -> KaryFatTreeSpec {
        KaryFatTreeSpec {
            k,
            host_link: LinkSpec::new(BytesPerSec(12_500_000_000), SimDuration::from_ns(100)),
            oversubscription: r,
            fabric_link_latency: SimDuration::from_ns(200),
            switch_latency: SimDuration::from_ns(500),
        }
    }

    fn device() -> ComputeDevice {
        crate::catalogue::A100_SXM4_80GB.device
    }

    #[test]
    fn counts_follow_al_fares() {
        for k in [2u32, 4, 6, 8] {
            let s = spec(k, 1.0);
            let p = k_ary_fat_tree(&s, &device()).unwrap();
            let k = u64::from(k);
            assert_eq!(p.hosts().len() as u64, k * k * k / 4, "k={k}");
            assert_eq!((p.nodes.len() - p.hosts().len()) as u64, 5 * k * k / 4, "k={k}");
            assert_eq!(p.links.len() as u64, 2 * 3 * k * k * k / 4, "k={k}");
            // Every switch uses exactly k ports.
            for n in p.hosts().len()..p.nodes.len() {
                assert_eq!(p.out_links[n].len() as u64, k, "{}", p.nodes[n].name);
            }
        }
    }

    #[test]
    fn k4_order_and_routes() {
        let p = k_ary_fat_tree(&spec(4, 1.0), &device()).unwrap();
        // 16 hosts, 8 edge, 8 agg, 4 core.
        assert_eq!(p.node_by_name("host15"), Some(NodeId(15)));
        assert_eq!(p.node_by_name("pod0/edge0"), Some(NodeId(16)));
        assert_eq!(p.node_by_name("pod3/edge1"), Some(NodeId(23)));
        assert_eq!(p.node_by_name("pod0/agg0"), Some(NodeId(24)));
        assert_eq!(p.node_by_name("core3"), Some(NodeId(35)));
        // Host 5 is on global edge 2 = pod1/edge0.
        let l = &p.links[2 * 5];
        assert_eq!((l.src, l.dst), (NodeId(5), p.node_by_name("pod1/edge0").unwrap()));
        // agg1 of every pod reaches core2 and core3.
        for pod in 0..4 {
            let agg = p.node_by_name(&format!("pod{pod}/agg1")).unwrap();
            let ups: Vec<_> = p.out_links[agg.index()].iter().map(|&l| p.links[l.index()].dst).collect();
            assert!(ups.contains(&NodeId(34)) && ups.contains(&NodeId(35)), "{ups:?}");
        }
        assert_eq!(degree(&p, "core0"), 4);
        assert_all_routable(&p);
        assert_eq!(route_links(&p, "host0", "host1").0, 2);
        assert_eq!(route_links(&p, "host0", "host2").0, 4);
        let (hops, lat) = route_links(&p, "host0", "host15");
        assert_eq!(hops, 6);
        assert_eq!(lat, SimDuration::from_ns(2 * 100 + 4 * 200 + 5 * 500));
    }

    #[test]
    fn oversubscription_cuts_only_edge_uplinks_and_above() {
        let s = spec(4, 4.0);
        assert_eq!(s.fabric_bandwidth(), Ok(BytesPerSec(3_125_000_000)));
        let p = k_ary_fat_tree(&s, &device()).unwrap();
        let host_cables = 16;
        assert!(p.links[..2 * host_cables].iter().all(|l| l.bandwidth == BytesPerSec(12_500_000_000)));
        assert!(p.links[2 * host_cables..].iter().all(|l| l.bandwidth == BytesPerSec(3_125_000_000)));
        // Edge switch: 2 · 12.5 GB/s down, 2 · 3.125 GB/s up = 4:1.
        assert_eq!(spec(4, 1.0).fabric_bandwidth(), Ok(BytesPerSec(12_500_000_000)));
    }

    #[test]
    fn bad_k_is_rejected() {
        for k in [0, 1, 3, 7] {
            assert!(matches!(
                k_ary_fat_tree(&spec(k, 1.0), &device()),
                Err(TopologyError::InvalidValue { field: "k", .. })
            ));
        }
        assert!(matches!(k_ary_fat_tree(&spec(4, -1.0), &device()), Err(TopologyError::InvalidRatio { .. })));
        assert!(matches!(k_ary_fat_tree(&spec(4096, 1.0), &device()), Err(TopologyError::TooLarge { field: "k", .. })));
    }
}
