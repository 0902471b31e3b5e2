//! Real WAN backbones from the Internet Topology Zoo, embedded, and the geo-distributed platforms built on
//! them.
//!
//! # Data
//! `topologies/data/topology_zoo/` holds four graphs of the Internet Topology Zoo (Knight, Nguyen, Falkner,
//! Bowden, Roughan, "The Internet Topology Zoo", IEEE JSAC 29(9), 2011; CC BY-SA 3.0) as converted by TopoHub
//! 1.5.1 (MIT): `Abilene` (Internet2's backbone, 11 PoPs), `Geant2012` (37), `Sprint` (11), `Nordu2005` (6).
//! See the `NOTICE.md` there. Each PoP has a name and coordinates; each link has TopoHub's great-circle
//! length `dist` [km, 2 decimals]. **The data has no capacities**, so link bandwidth is an assumption
//! ([`ZooWanSpec::wan_bandwidth`], default [`DEFAULT_WAN_BANDWIDTH`]).
//!
//! Latency is the link length times [`FIBRE_LATENCY_PER_KM`] (light in fibre at ≈ 2/3 c). The length is read
//! from `dist` (computed by TopoHub from unrounded coordinates), not recomputed from the file's coordinates,
//! which are rounded to 0.01° (a test checks that both agree within 2 km). It is turned into whole metres
//! once, so every latency is exact integer arithmetic.

use std::collections::BTreeMap;

use serde::Deserialize;
use sim_core::{BytesPerSec, ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::catalogue::PresetKind;
use crate::util::{at_least_one, check_size, positive_bandwidth};
use crate::{PlatformGraph, TopologyError};

/// The embedded graphs: (name, JSON text).
const GRAPHS: [(&str, &str); 4] = [
    ("Abilene", include_str!("../data/topology_zoo/Abilene.json")),
    ("Geant2012", include_str!("../data/topology_zoo/Geant2012.json")),
    ("Sprint", include_str!("../data/topology_zoo/Sprint.json")),
    ("Nordu2005", include_str!("../data/topology_zoo/Nordu2005.json")),
];

/// One-way propagation latency of optical fibre per km: 5 µs, i.e. light at 2·10⁵ km/s ≈ 2/3 c (refractive
/// index ≈ 1.5; exactly 2/3 c would give 5.0035 µs/km). Standard engineering figure, as in the data's NOTICE.
pub const FIBRE_LATENCY_PER_KM: SimDuration = SimDuration::from_us(5);

/// Capacity of every WAN link when the scenario gives none: 100 Gb/s = 12.5·10⁹ bytes/s, each way.
/// **[assumption]**: the Topology Zoo data carries no capacities; research backbones of the 2010s ran 10 to
/// 100 Gb/s wavelengths.
pub const DEFAULT_WAN_BANDWIDTH: BytesPerSec = BytesPerSec(12_500_000_000);

/// A point of presence of a backbone.
#[derive(Clone, Debug, PartialEq)]
pub struct Pop {
    /// Name as in the data, e.g. `"New York"`, `"Kansas City"`; unique within a graph.
    pub name: String,
    /// Longitude [degrees east], rounded to 0.01° in the data.
    pub longitude_deg: f64,
    /// Latitude [degrees north], rounded to 0.01° in the data.
    pub latitude_deg: f64,
}

/// A backbone link between two PoPs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZooEdge {
    /// First PoP (index into [`ZooGraph::pops`]; the file's `source`).
    pub a: usize,
    /// Second PoP (the file's `target`).
    pub b: usize,
    /// Great-circle length [m]: the file's `dist` [km] × 1000, rounded to the nearest metre.
    pub length_m: u64,
}

impl ZooEdge {
    /// One-way propagation latency over this link at `per_km` [ps per km], rounded up to the picosecond:
    /// `⌈length_m · per_km / 1000⌉`.
    ///
    /// # Panics
    /// If the latency exceeds 2^64 ps.
    pub fn latency(&self, per_km: SimDuration) -> SimDuration {
        let ps = (u128::from(self.length_m) * u128::from(per_km.0)).div_ceil(1_000);
        SimDuration(u64::try_from(ps).expect("fibre latency overflows u64 picoseconds"))
    }
}

/// A backbone graph: PoPs in file order and links in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct ZooGraph {
    /// Name, e.g. `"Abilene"` (see [`names`]).
    pub name: &'static str,
    /// PoPs in the file's node order.
    pub pops: Vec<Pop>,
    /// Links in the file's edge order.
    pub edges: Vec<ZooEdge>,
}

impl ZooGraph {
    /// Index of the PoP called `name`.
    pub fn pop_index(&self, name: &str) -> Option<usize> {
        self.pops.iter().position(|p| p.name == name)
    }
}

/// Names of the embedded graphs: `["Abilene", "Geant2012", "Sprint", "Nordu2005"]`.
pub fn names() -> Vec<&'static str> {
    GRAPHS.iter().map(|g| g.0).collect()
}

/// The embedded graph called `name` (exact, case-sensitive), parsed from its JSON.
///
/// # Panics
/// If the embedded file is malformed (the data is part of the build; tests parse every graph).
pub fn graph(name: &str) -> Option<ZooGraph> {
    GRAPHS.iter().find(|g| g.0 == name).map(|&(name, text)| parse(name, text))
}

/// As [`graph`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] (kind [`PresetKind::TopologyZooGraph`]) listing the valid names.
pub fn try_graph(name: &str) -> Result<ZooGraph, TopologyError> {
    graph(name).ok_or_else(|| TopologyError::UnknownPreset {
        kind: PresetKind::TopologyZooGraph,
        name: name.to_owned(),
        valid: names(),
    })
}

#[derive(Deserialize)]
struct FileGraph {
    nodes: Vec<FileNode>,
    edges: Vec<FileEdge>,
}

#[derive(Deserialize)]
struct FileNode {
    id: String,
    name: String,
    pos: [f64; 2],
}

#[derive(Deserialize)]
struct FileEdge {
    source: String,
    target: String,
    dist: f64,
}

fn parse(name: &'static str, text: &str) -> ZooGraph {
    let file: FileGraph = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}.json: {e}"));
    let index: BTreeMap<&str, usize> = file.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let at = |id: &str| *index.get(id).unwrap_or_else(|| panic!("{name}.json: edge names unknown node id {id:?}"));
    let edges = file
        .edges
        .iter()
        .map(|e| {
            assert!(e.dist.is_finite() && e.dist >= 0.0, "{name}.json: bad dist {}", e.dist);
            // `dist` has two decimals, so × 1000 and rounding is exact well below 10⁹ km.
            ZooEdge { a: at(&e.source), b: at(&e.target), length_m: (e.dist * 1000.0).round() as u64 }
        })
        .collect();
    let pops =
        file.nodes.into_iter().map(|n| Pop { name: n.name, longitude_deg: n.pos[0], latitude_deg: n.pos[1] }).collect();
    ZooGraph { name, pops, edges }
}

/// A geo-distributed platform on a Topology Zoo backbone.
#[derive(Clone, Debug, PartialEq)]
pub struct ZooWanSpec {
    /// Graph name (see [`names`]), e.g. `"Abilene"`.
    pub graph: String,
    /// PoPs that host a data center, by name; the order is the host order. Empty = every PoP, in file order.
    pub data_centers: Vec<String>,
    /// Hosts in each data center, ≥ 1.
    pub hosts_per_dc: u32,
    /// Cable between a host and its PoP switch: bandwidth [bytes/s], latency [ps], price [USD/GB], duplex.
    pub lan_link: LinkSpec,
    /// Forwarding latency of each PoP switch [ps].
    pub switch_latency: SimDuration,
    /// Capacity of each backbone link, each way [bytes/s]: an assumption (see [`DEFAULT_WAN_BANDWIDTH`]).
    pub wan_bandwidth: BytesPerSec,
    /// Fibre latency per km of link length [ps/km]; see [`FIBRE_LATENCY_PER_KM`].
    pub latency_per_km: SimDuration,
    /// Price of traffic on backbone links [USD per 10⁹ bytes]; 0 for a private or research network.
    pub wan_price_per_gb: f64,
}

impl ZooWanSpec {
    /// A data center of `hosts_per_dc` hosts at every PoP of `graph`, with [`DEFAULT_WAN_BANDWIDTH`],
    /// [`FIBRE_LATENCY_PER_KM`], free WAN traffic, and PoP switches of 0.5 µs (the Ethernet engineering
    /// default of [`crate::catalogue::ETH_100G`], [R]).
    pub fn new(graph: impl Into<String>, hosts_per_dc: u32, lan_link: LinkSpec) -> Self {
        ZooWanSpec {
            graph: graph.into(),
            data_centers: Vec::new(),
            hosts_per_dc,
            lan_link,
            switch_latency: crate::catalogue::ETH_100G.switch_latency,
            wan_bandwidth: DEFAULT_WAN_BANDWIDTH,
            latency_per_km: FIBRE_LATENCY_PER_KM,
            wan_price_per_gb: 0.0,
        }
    }
}

/// Builds the backbone platform of `spec`, every host with compute device `device`.
///
/// Every PoP `p` (file order) is one switch `"{pop}/switch"` with site `p`, which is both the WAN router and
/// the data center's LAN switch. A PoP in `data_centers` also has a star LAN of hosts `"{pop}/host{i}"` on its
/// switch (site `p`). PoPs not chosen are transit switches without hosts.
///
/// Nodes, in [`sim_core::NodeId`] order: the hosts, data center by data center in `data_centers` order (file
/// order when empty), `hosts_per_dc` each; then the switches of **all** PoPs in file order. Cables, in link
/// order (cable `c` gives links `2c` = first → second endpoint, `2c + 1` back): the LAN cables in host order
/// (host → switch first), then one cable per backbone link in file order (the file's `source` → `target`
/// first), full duplex at `wan_bandwidth` each way, latency [`ZooEdge::latency`]`(latency_per_km)`, price
/// `wan_price_per_gb`.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] for an unknown graph; [`TopologyError::UnknownPop`] for a data center not
/// in the graph; [`TopologyError::DuplicateRegion`] for a PoP listed twice; [`TopologyError::ZeroCount`] for
/// `hosts_per_dc = 0`; [`TopologyError::InvalidBandwidth`] for a zero LAN or WAN bandwidth;
/// [`TopologyError::InvalidRatio`] for a negative or non-finite price; [`TopologyError::TooLarge`].
pub fn zoo_wan(spec: &ZooWanSpec, device: &ComputeDevice) -> Result<Platform, TopologyError> {
    let graph = try_graph(&spec.graph)?;
    at_least_one("hosts_per_dc", spec.hosts_per_dc)?;
    positive_bandwidth("lan_link.bandwidth", spec.lan_link.bandwidth)?;
    positive_bandwidth("wan_bandwidth", spec.wan_bandwidth)?;
    if !(spec.wan_price_per_gb.is_finite() && spec.wan_price_per_gb >= 0.0) {
        return Err(TopologyError::InvalidRatio { field: "wan_price_per_gb", value: spec.wan_price_per_gb });
    }
    let dcs: Vec<usize> = if spec.data_centers.is_empty() {
        (0..graph.pops.len()).collect()
    } else {
        let mut seen = vec![false; graph.pops.len()];
        let mut dcs = Vec::with_capacity(spec.data_centers.len());
        for pop in &spec.data_centers {
            let p = graph.pop_index(pop).ok_or_else(|| TopologyError::UnknownPop {
                graph: spec.graph.clone(),
                pop: pop.clone(),
                valid: graph.pops.iter().map(|p| p.name.clone()).collect(),
            })?;
            if std::mem::replace(&mut seen[p], true) {
                return Err(TopologyError::DuplicateRegion { region: pop.clone() });
            }
            dcs.push(p);
        }
        dcs
    };
    let hosts = dcs.len() as u128 * u128::from(spec.hosts_per_dc);
    check_size(
        hosts + graph.pops.len() as u128,
        hosts + graph.edges.len() as u128,
        "hosts_per_dc",
        spec.hosts_per_dc.into(),
    )?;

    let mut g = PlatformGraph::new();
    let mut host_ids = Vec::new();
    for &p in &dcs {
        let pop = &graph.pops[p].name;
        for i in 0..spec.hosts_per_dc {
            host_ids.push((p, g.add_host(format!("{pop}/host{i}"), device.clone(), p as u32)));
        }
    }
    let switches: Vec<_> = (graph.pops.iter().enumerate())
        .map(|(p, pop)| g.add_switch(format!("{}/switch", pop.name), spec.switch_latency, p as u32))
        .collect();
    for &(p, h) in &host_ids {
        g.connect(h, switches[p], spec.lan_link.clone());
    }
    for e in &graph.edges {
        let link = LinkSpec {
            bandwidth: spec.wan_bandwidth,
            latency: e.latency(spec.latency_per_km),
            price_per_gb: spec.wan_price_per_gb,
            half_duplex: false,
        };
        g.connect(switches[e.a], switches[e.b], link);
    }
    g.into_platform()
}

#[cfg(test)]
mod tests {
    use sim_core::NodeId;

    use super::*;
    use crate::test_util::{assert_all_routable, route_links};

    fn lan() -> LinkSpec {
        LinkSpec::new(BytesPerSec(12_500_000_000), SimDuration::from_ns(100))
    }

    /// Haversine great-circle distance [km] on a sphere of the IUGG mean Earth radius 6 371.0088 km.
    fn haversine_km(a: &Pop, b: &Pop) -> f64 {
        let (p1, p2) = (a.latitude_deg.to_radians(), b.latitude_deg.to_radians());
        let dp = p2 - p1;
        let dl = (b.longitude_deg - a.longitude_deg).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371.008_8 * h.sqrt().asin()
    }

    #[test]
    fn every_graph_parses_and_matches_its_stats() {
        // (nodes, links) from each file's graph.stats.
        let expected = [("Abilene", 11, 14), ("Geant2012", 37, 58), ("Sprint", 11, 18), ("Nordu2005", 6, 6)];
        assert_eq!(names(), expected.iter().map(|e| e.0).collect::<Vec<_>>());
        for (name, nodes, links) in expected {
            let g = graph(name).unwrap();
            assert_eq!((g.pops.len(), g.edges.len()), (nodes, links), "{name}");
            let mut pop_names: Vec<_> = g.pops.iter().map(|p| &p.name).collect();
            pop_names.sort();
            pop_names.dedup();
            assert_eq!(pop_names.len(), nodes, "{name}: PoP names are unique");
            for e in &g.edges {
                // TopoHub's dist vs the haversine of the rounded coordinates (0.01° ≈ 1.1 km).
                let h = haversine_km(&g.pops[e.a], &g.pops[e.b]);
                let d = e.length_m as f64 / 1000.0;
                assert!((h - d).abs() < 2.0, "{name} {}–{}: {d} km vs {h} km", g.pops[e.a].name, g.pops[e.b].name);
            }
        }
    }

    #[test]
    fn new_york_chicago_by_hand() {
        let g = graph("Abilene").unwrap();
        let e = &g.edges[0];
        assert_eq!((g.pops[e.a].name.as_str(), g.pops[e.b].name.as_str()), ("New York", "Chicago"));
        // File: "dist": 1146.16 km. Coordinates (-74.01, 40.71), (-87.65, 41.85): haversine 1 145.59 km.
        assert_eq!(e.length_m, 1_146_160);
        assert!((haversine_km(&g.pops[e.a], &g.pops[e.b]) - 1_145.59).abs() < 0.01);
        // 1 146.16 km × 5 µs/km = 5 730.8 µs.
        assert_eq!(e.latency(FIBRE_LATENCY_PER_KM), SimDuration::from_ns(5_730_800));
        // At exactly 2/3 c, 10¹⁵ / (2/3 · 299 792 458) = 5 003 461.43 ps/km (truncated to 5 003 461):
        // ⌈1 146 160 · 5 003 461 / 1000⌉ = ⌈5 734 766 859.76⌉ ps ≈ 5.7348 ms.
        assert_eq!(e.latency(SimDuration(5_003_461)), SimDuration(5_734_766_860));
    }

    #[test]
    fn abilene_platform() {
        let mut spec = ZooWanSpec::new("Abilene", 2, lan());
        spec.data_centers = vec!["Seattle".into(), "New York".into()];
        let p = zoo_wan(&spec, &crate::catalogue::A100_SXM4_80GB.device).unwrap();
        // 4 hosts + 11 PoP switches; 4 LAN cables + 14 backbone cables.
        assert_eq!((p.nodes.len(), p.links.len()), (15, 2 * 18));
        assert_eq!(p.node_by_name("Seattle/host1"), Some(NodeId(1)));
        assert_eq!(p.node_by_name("New York/host0"), Some(NodeId(2)));
        assert_eq!(p.node_by_name("New York/switch"), Some(NodeId(4)));
        assert_eq!(p.node_by_name("Indianapolis/switch"), Some(NodeId(14)));
        assert_eq!((p.nodes[0].site, p.nodes[2].site, p.nodes[14].site), (3, 0, 10));
        // Cable 4 = first backbone link, New York → Chicago.
        let l = &p.links[8];
        assert_eq!((l.src, l.dst), (NodeId(4), NodeId(5)));
        assert_eq!(l.latency, SimDuration::from_ns(5_730_800));
        assert_eq!(l.bandwidth, DEFAULT_WAN_BANDWIDTH);
        assert_all_routable(&p);
        // Seattle → New York, fewest hops: Seattle–Denver–Kansas City–Indianapolis–Chicago–New York, 5 backbone
        // links + 2 LAN links.
        assert_eq!(route_links(&p, "Seattle/host0", "New York/host0").0, 7);
    }

    #[test]
    fn every_graph_is_routable_everywhere() {
        for name in names() {
            let p = zoo_wan(&ZooWanSpec::new(name, 1, lan()), &crate::catalogue::H100_SXM5.device).unwrap();
            let g = graph(name).unwrap();
            assert_eq!(p.hosts().len(), g.pops.len());
            assert_eq!(p.links.len(), 2 * (g.pops.len() + g.edges.len()));
            assert_all_routable(&p);
        }
    }

    #[test]
    fn bad_specs_are_named() {
        let err = zoo_wan(&ZooWanSpec::new("Internet2", 1, lan()), &crate::catalogue::H100_SXM5.device).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown Topology Zoo graph `Internet2`; valid names: Abilene, Geant2012, Sprint, Nordu2005"
        );
        let mut spec = ZooWanSpec::new("Nordu2005", 1, lan());
        spec.data_centers = vec!["Oslo".into(), "Bergen".into()];
        let err = zoo_wan(&spec, &crate::catalogue::H100_SXM5.device).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Topology Zoo graph `Nordu2005` has no PoP `Bergen`; its PoPs: Stockholm, Helsinki, Copenhagen, \
             Reykjavik, St Petersburg, Oslo"
        );
        spec.data_centers = vec!["Oslo".into(), "Oslo".into()];
        assert_eq!(
            zoo_wan(&spec, &crate::catalogue::H100_SXM5.device),
            Err(TopologyError::DuplicateRegion { region: "Oslo".into() })
        );
        spec.data_centers.clear();
        spec.wan_bandwidth = BytesPerSec(0);
        assert!(matches!(
            zoo_wan(&spec, &crate::catalogue::H100_SXM5.device),
            Err(TopologyError::InvalidBandwidth { field: "wan_bandwidth", .. })
        ));
    }
}
