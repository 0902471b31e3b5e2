//! Builder tests: counts, bandwidths, reachability, measured WAN values, errors.

use std::collections::VecDeque;

use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, LinkSpec, NodeId, NodeKind, Platform, SimDuration};

use crate::cloud_regions::GAIA_EC2_REGIONS;
use crate::*;

fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1_000_000_000_000),
        efficiency: 0.5,
        memory_bytes: 16 << 30,
        memory_bandwidth: BytesPerSec(900_000_000_000),
        launch_overhead: SimDuration::from_us(5),
    }
}

fn link(gbytes_per_s: u64) -> LinkSpec {
    LinkSpec::new(BytesPerSec(gbytes_per_s * 1_000_000_000), SimDuration::from_ns(100))
}

/// Every host reaches every other host along directed links (BFS over `out_links` from each host).
fn assert_all_hosts_reach_each_other(p: &Platform) {
    let hosts = p.hosts();
    for &src in &hosts {
        let mut seen = vec![false; p.nodes.len()];
        let mut queue = VecDeque::from([src]);
        seen[src.index()] = true;
        while let Some(n) = queue.pop_front() {
            for &l in &p.out_links[n.index()] {
                let dst = p.links[l.index()].dst;
                if !seen[dst.index()] {
                    seen[dst.index()] = true;
                    queue.push_back(dst);
                }
            }
        }
        for &dst in &hosts {
            assert!(seen[dst.index()], "{} cannot reach {}", p.nodes[src.index()].name, p.nodes[dst.index()].name);
        }
    }
}

fn fat_tree_spec(r: f64) -> FatTreeSpec {
    FatTreeSpec {
        leaves: 4,
        hosts_per_leaf: 6,
        spines: 3,
        host_link: link(10),
        oversubscription: r,
        spine_link_latency: SimDuration::from_ns(200),
        switch_latency: SimDuration::from_ns(300),
    }
}

fn two_dc_spec(regions: &[&str]) -> MultiDcSpec {
    MultiDcSpec {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        hosts_per_dc: 3,
        lan_link: link(5),
        switch_latency: SimDuration::from_ns(500),
        wan_overrides: Vec::new(),
    }
}

#[test]
fn star_counts_and_names() {
    let p = star(5, &device(), &link(10), SimDuration::from_ns(300));
    assert_eq!(p.nodes.len(), 6);
    assert_eq!(p.links.len(), 10);
    assert_eq!(p.hosts(), (0..5).map(NodeId).collect::<Vec<_>>());
    assert_eq!(p.node_by_name("host4"), Some(NodeId(4)));
    assert_eq!(p.node_by_name("switch"), Some(NodeId(5)));
    assert_eq!(p.nodes[5].kind, NodeKind::Switch { hop_latency: SimDuration::from_ns(300) });
    // Link 2i: host i -> switch; 2i+1: back.
    assert_eq!((p.links[4].src, p.links[4].dst), (NodeId(2), NodeId(5)));
    assert_eq!((p.links[5].src, p.links[5].dst), (NodeId(5), NodeId(2)));
    assert_all_hosts_reach_each_other(&p);
}

#[test]
fn star_of_one_host_is_valid() {
    let p = star(1, &device(), &link(1), SimDuration::ZERO);
    assert_eq!((p.nodes.len(), p.links.len()), (2, 2));
}

#[test]
fn fat_tree_counts_and_order() {
    let p = fat_tree(&fat_tree_spec(1.0), &device()).unwrap();
    // 24 hosts + 4 leaves + 3 spines; 24 host cables + 12 leaf-spine cables, two links each.
    assert_eq!(p.nodes.len(), 31);
    assert_eq!(p.links.len(), 2 * (24 + 12));
    assert_eq!(p.hosts().len(), 24);
    assert_eq!(p.node_by_name("host0"), Some(NodeId(0)));
    assert_eq!(p.node_by_name("leaf0"), Some(NodeId(24)));
    assert_eq!(p.node_by_name("spine2"), Some(NodeId(30)));
    // Leaf-major: host 13 is on leaf 13 / 6 = 2.
    let up = p.out_links[13][0];
    assert_eq!(p.links[up.index()].dst, p.node_by_name("leaf2").unwrap());
    // Every leaf has 6 host cables + 3 spine cables; every spine 4 leaf cables.
    for j in 0..4 {
        assert_eq!(p.out_links[p.node_by_name(&format!("leaf{j}")).unwrap().index()].len(), 9);
    }
    for k in 0..3 {
        assert_eq!(p.out_links[p.node_by_name(&format!("spine{k}")).unwrap().index()].len(), 4);
    }
    assert_all_hosts_reach_each_other(&p);
}

#[test]
fn fat_tree_leaf_spine_bandwidth_follows_oversubscription() {
    // 6 hosts · 10 GB/s = 60 GB/s down per leaf; 3 spines at 3:1 -> 20 GB/s up, 6.67 GB/s per cable.
    let spec = fat_tree_spec(3.0);
    assert_eq!(spec.leaf_spine_bandwidth(), Ok(BytesPerSec(6_666_666_667)));
    let p = fat_tree(&spec, &device()).unwrap();
    let (leaf0, spine0) = (p.node_by_name("leaf0").unwrap(), p.node_by_name("spine0").unwrap());
    let up = p.links.iter().find(|l| l.src == leaf0 && l.dst == spine0).unwrap();
    assert_eq!(up.bandwidth, BytesPerSec(6_666_666_667));
    assert_eq!(up.latency, SimDuration::from_ns(200));
    let down = p.links.iter().find(|l| l.src == spine0 && l.dst == leaf0).unwrap();
    assert_eq!(down.bandwidth, up.bandwidth);
    // Non-blocking: 60 GB/s over 3 spines = 20 GB/s per cable; r = 0.5 doubles it.
    assert_eq!(fat_tree_spec(1.0).leaf_spine_bandwidth(), Ok(BytesPerSec(20_000_000_000)));
    assert_eq!(fat_tree_spec(0.5).leaf_spine_bandwidth(), Ok(BytesPerSec(40_000_000_000)));
}

#[test]
fn fat_tree_rejects_bad_specs() {
    let mut spec = fat_tree_spec(1.0);
    spec.spines = 0;
    assert_eq!(fat_tree(&spec, &device()), Err(TopologyError::ZeroCount { field: "spines", value: 0 }));
    for r in [0.0, -1.0, f64::INFINITY] {
        let err = fat_tree(&fat_tree_spec(r), &device()).unwrap_err();
        assert_eq!(err, TopologyError::InvalidRatio { field: "oversubscription", value: r });
    }
    assert!(matches!(
        fat_tree(&fat_tree_spec(f64::NAN), &device()),
        Err(TopologyError::InvalidRatio { field: "oversubscription", .. })
    ));
    let mut spec = fat_tree_spec(1e12);
    spec.host_link.bandwidth = BytesPerSec(1);
    assert!(matches!(
        fat_tree(&spec, &device()),
        Err(TopologyError::InvalidBandwidth { field: "leaf_spine_bandwidth", .. })
    ));
}

#[test]
fn builders_are_deterministic() {
    assert_eq!(fat_tree(&fat_tree_spec(2.0), &device()), fat_tree(&fat_tree_spec(2.0), &device()));
    let spec = two_dc_spec(&GAIA_EC2_REGIONS);
    assert_eq!(multi_datacenter(&spec, &device()), multi_datacenter(&spec, &device()));
}

#[test]
fn multi_dc_has_measured_wan_links() {
    let p = multi_datacenter(&two_dc_spec(&["aws:us-east-1", "aws:us-west-1"]), &device()).unwrap();
    // 2 · 3 hosts + 2 switches; 6 LAN cables + 1 WAN cable.
    assert_eq!(p.nodes.len(), 8);
    assert_eq!(p.links.len(), 14);
    assert_eq!(p.node_by_name("aws:us-west-1/host2"), Some(NodeId(5)));
    assert_eq!(p.nodes[5].site, 1);
    let (v, c) = (p.node_by_name("aws:us-east-1/switch").unwrap(), p.node_by_name("aws:us-west-1/switch").unwrap());
    assert_eq!((v, c), (NodeId(6), NodeId(7)));
    assert_eq!((p.nodes[6].site, p.nodes[7].site), (0, 1));
    // Numbers read by hand from the CSV files (see cloud_regions tests):
    // Virginia -> California 4362799930.484241 bit/s, avg_rtt 59.56 ms, 0.02 USD/GB;
    // California -> Virginia 4361707515.472474 bit/s, avg_rtt 59.536 ms, 0.02 USD/GB.
    let vc = &p.links[12];
    assert_eq!((vc.src, vc.dst), (v, c));
    assert_eq!(vc.bandwidth, BytesPerSec(545_349_991));
    assert_eq!(vc.latency, SimDuration::from_ps(29_780_000_000));
    assert_eq!(vc.price_per_gb, 0.02);
    assert_eq!(vc.shared_with, None);
    let cv = &p.links[13];
    assert_eq!((cv.src, cv.dst), (c, v));
    assert_eq!(cv.bandwidth, BytesPerSec(545_213_439));
    assert_eq!(cv.latency, SimDuration::from_ps(29_768_000_000));
    assert_eq!(cv.price_per_gb, 0.02);
    // LAN links are free.
    assert!(p.links[..12].iter().all(|l| l.price_per_gb == 0.0 && l.bandwidth == BytesPerSec(5_000_000_000)));
    assert_all_hosts_reach_each_other(&p);
}

#[test]
fn multi_dc_over_gaia_regions_is_complete() {
    let p = multi_datacenter(&two_dc_spec(&GAIA_EC2_REGIONS), &device()).unwrap();
    assert_eq!(p.nodes.len(), 11 * 4);
    assert_eq!(p.links.len(), 2 * (33 + 55));
    assert_all_hosts_reach_each_other(&p);
}

#[test]
fn unknown_region_is_named() {
    let err = multi_datacenter(&two_dc_spec(&["aws:us-east-1", "aws:mars-1"]), &device()).unwrap_err();
    assert_eq!(err, TopologyError::UnknownRegion { region: "aws:mars-1".into() });
    assert!(err.to_string().contains("aws:mars-1"));
    // Measured in latency.csv only: no throughput, so unknown.
    let err = multi_datacenter(&two_dc_spec(&["aws:ap-southeast-3"]), &device()).unwrap_err();
    assert_eq!(err, TopologyError::UnknownRegion { region: "aws:ap-southeast-3".into() });
}

#[test]
fn overrides_replace_or_complete_measurements() {
    let slow = WanPath { bandwidth: BytesPerSec(1_000), latency: SimDuration::from_ms(7), price_per_gb: 0.5 };
    let mut spec = two_dc_spec(&["aws:us-east-1", "lab:basement"]);
    spec.wan_overrides = vec![WanOverride { src: "aws:us-east-1".into(), dst: "lab:basement".into(), path: slow }];
    assert_eq!(
        multi_datacenter(&spec, &device()),
        Err(TopologyError::MissingWanPath { src: "lab:basement".into(), dst: "aws:us-east-1".into() })
    );
    spec.wan_overrides.push(WanOverride { src: "lab:basement".into(), dst: "aws:us-east-1".into(), path: slow });
    let p = multi_datacenter(&spec, &device()).unwrap();
    assert_eq!(p.links[12].bandwidth, BytesPerSec(1_000));
    assert_eq!(p.links[13].price_per_gb, 0.5);
    spec.wan_overrides.push(spec.wan_overrides[0].clone());
    assert!(matches!(multi_datacenter(&spec, &device()), Err(TopologyError::InvalidWanOverride { .. })));
}

#[test]
fn multi_dc_rejects_bad_specs() {
    let spec = two_dc_spec(&["aws:us-east-1", "aws:us-east-1"]);
    assert_eq!(
        multi_datacenter(&spec, &device()),
        Err(TopologyError::DuplicateRegion { region: "aws:us-east-1".into() })
    );
    let mut spec = two_dc_spec(&["aws:us-east-1"]);
    spec.hosts_per_dc = 0;
    assert_eq!(multi_datacenter(&spec, &device()), Err(TopologyError::ZeroCount { field: "hosts_per_dc", value: 0 }));
    assert_eq!(
        multi_datacenter(&two_dc_spec(&[]), &device()),
        Err(TopologyError::ZeroCount { field: "regions", value: 0 })
    );
}

#[test]
fn disconnected_graph_is_rejected() {
    let mut g = PlatformGraph::new();
    let a = g.add_host("a", device(), 0);
    let b = g.add_host("b", device(), 0);
    let c = g.add_host("c", device(), 0);
    g.connect(a, b, link(1));
    let _ = c;
    assert_eq!(g.clone().into_platform(), Err(TopologyError::Disconnected { components: 2 }));
    g.connect(b, c, link(1));
    assert_eq!(g.graph().node_count(), 3);
    assert!(g.into_platform().is_ok());
}

#[test]
fn duplicate_names_and_bad_cables_are_rejected() {
    let mut g = PlatformGraph::new();
    let a = g.add_host("x", device(), 0);
    let b = g.add_switch("x", SimDuration::ZERO, 0);
    g.connect(a, b, link(1));
    assert_eq!(g.into_platform(), Err(TopologyError::DuplicateName { name: "x".into() }));
    let mut g = PlatformGraph::new();
    let a = g.add_host("a", device(), 0);
    let b = g.add_host("b", device(), 0);
    g.connect(a, b, LinkSpec::new(BytesPerSec(0), SimDuration::ZERO));
    assert!(matches!(g.into_platform(), Err(TopologyError::InvalidCable { edge: 0, .. })));
}
