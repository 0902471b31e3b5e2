//! Data centers in cloud regions, joined by measured WAN paths.

use std::collections::BTreeMap;

use sim_core::{ComputeDevice, LinkSpec, Platform, SimDuration};

use crate::cloud_regions::{self, WanPath};
use crate::{PlatformGraph, TopologyError};

/// A geo-distributed platform: one data center per region, every pair of data centers joined directly.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiDcSpec {
    /// Region ids (e.g. `"aws:us-east-1"`, see [`cloud_regions::regions`]), one data center each; the
    /// position in this list is the data center's `site`. At least one, no repeats.
    pub regions: Vec<String>,
    /// Hosts in each data center, ≥ 1.
    pub hosts_per_dc: u32,
    /// Cable between a host and its data-center switch: bandwidth [bytes/s], latency [ps], price
    /// [USD/GB] (usually 0), duplex.
    pub lan_link: LinkSpec,
    /// Forwarding latency of each data-center switch [ps].
    pub switch_latency: SimDuration,
    /// Paths to use instead of the measured ones, per direction; empty = all measured. A region that
    /// is not in the measurements is accepted when it appears in at least one override (then every
    /// direction that involves it needs one).
    pub wan_overrides: Vec<WanOverride>,
}

/// One direction of a WAN path set by hand, replacing [`cloud_regions::wan_path`]`(src, dst)`.
#[derive(Clone, Debug, PartialEq)]
pub struct WanOverride {
    /// Sending region.
    pub src: String,
    /// Receiving region.
    pub dst: String,
    /// Bandwidth [bytes/s], one-way latency [ps] and price [USD/GB] of `src → dst`.
    pub path: WanPath,
}

/// Builds the multi-datacenter platform of `spec`, every host with compute device `device`.
///
/// Per region `r` (index in `spec.regions`): a star LAN of hosts `"{region}/host{i}"` joined by
/// `lan_link` to one switch `"{region}/switch"`, all with `site = r`. Between every two data-center
/// switches, one full-duplex **asymmetric** cable whose direction `a → b` has the bandwidth, one-way
/// latency and egress price of `wan_path(a, b)` (or its override), and `b → a` those of `wan_path(b, a)`.
/// See [`cloud_regions`] for the measurement (64 parallel TCP streams; asymmetric).
///
/// Node order: all hosts region-major (`NodeId(r · hosts_per_dc + i)` is host `i` of region `r`), then
/// the switches in region order. Link order: the LAN cables in host order (host → switch, then switch →
/// host), then the WAN cables for region pairs `(a, b)`, `a < b` by index, `a` outer: `a → b`, `b → a`.
///
/// # Errors
/// [`TopologyError::ZeroCount`] for no regions or `hosts_per_dc == 0`; [`TopologyError::InvalidBandwidth`]
/// for a zero LAN bandwidth; [`TopologyError::DuplicateRegion`]; [`TopologyError::InvalidWanOverride`]
/// for an override naming a region not in `regions`, a loop, a repeat, a zero bandwidth or a negative or
/// non-finite price; [`TopologyError::UnknownRegion`] for a region neither measured nor overridden;
/// [`TopologyError::MissingWanPath`] for a direction with neither a measurement nor an override.
pub fn multi_datacenter(spec: &MultiDcSpec, device: &ComputeDevice) -> Result<Platform, TopologyError> {
    if spec.regions.is_empty() {
        return Err(TopologyError::ZeroCount { field: "regions", value: 0 });
    }
    if spec.hosts_per_dc == 0 {
        return Err(TopologyError::ZeroCount { field: "hosts_per_dc", value: 0 });
    }
    if spec.lan_link.bandwidth.0 == 0 {
        return Err(TopologyError::InvalidBandwidth { field: "lan_link.bandwidth", value: 0.0 });
    }
    let dcs = spec.regions.len() as u64;
    let nodes = dcs * (u64::from(spec.hosts_per_dc) + 1);
    let links = 2 * (dcs * u64::from(spec.hosts_per_dc) + dcs * (dcs - 1) / 2);
    if nodes > crate::MAX_NODES || links > crate::MAX_LINKS {
        return Err(TopologyError::TooLarge { field: "hosts_per_dc", value: spec.hosts_per_dc.into() });
    }
    let mut index = BTreeMap::new();
    for (r, region) in spec.regions.iter().enumerate() {
        if index.insert(region.as_str(), r).is_some() {
            return Err(TopologyError::DuplicateRegion { region: region.clone() });
        }
    }
    let overrides = collect_overrides(spec, &index)?;
    let measured = cloud_regions::regions();
    for region in &spec.regions {
        let overridden = overrides.keys().any(|(a, b)| a == region || b == region);
        if measured.binary_search(region).is_err() && !overridden {
            return Err(TopologyError::UnknownRegion { region: region.clone() });
        }
    }
    let path = |a: &String, b: &String| -> Result<LinkSpec, TopologyError> {
        overrides
            .get(&(a.clone(), b.clone()))
            .copied()
            .or_else(|| cloud_regions::wan_path(a, b))
            .map(|p| p.link_spec())
            .ok_or_else(|| TopologyError::MissingWanPath { src: a.clone(), dst: b.clone() })
    };

    let mut g = PlatformGraph::new();
    let mut hosts = Vec::new();
    for (r, region) in spec.regions.iter().enumerate() {
        let site = r as u32;
        for i in 0..spec.hosts_per_dc {
            hosts.push((r, g.add_host(format!("{region}/host{i}"), device.clone(), site)));
        }
    }
    let switches: Vec<_> = (spec.regions.iter().enumerate())
        .map(|(r, region)| g.add_switch(format!("{region}/switch"), spec.switch_latency, r as u32))
        .collect();
    for &(r, h) in &hosts {
        g.connect(h, switches[r], spec.lan_link.clone());
    }
    for (a, region_a) in spec.regions.iter().enumerate() {
        for (b, region_b) in spec.regions.iter().enumerate().skip(a + 1) {
            let (ab, ba) = (path(region_a, region_b)?, path(region_b, region_a)?);
            g.connect_asymmetric(switches[a], switches[b], ab, ba);
        }
    }
    g.into_platform()
}

fn collect_overrides(
    spec: &MultiDcSpec,
    index: &BTreeMap<&str, usize>,
) -> Result<BTreeMap<(String, String), WanPath>, TopologyError> {
    let mut overrides = BTreeMap::new();
    for o in &spec.wan_overrides {
        let invalid =
            |reason| Err(TopologyError::InvalidWanOverride { src: o.src.clone(), dst: o.dst.clone(), reason });
        if !index.contains_key(o.src.as_str()) || !index.contains_key(o.dst.as_str()) {
            return invalid("both regions must be listed in `regions`");
        }
        if o.src == o.dst {
            return invalid("source and destination are the same region");
        }
        if o.path.bandwidth.0 == 0 {
            return invalid("bandwidth is 0");
        }
        if !(o.path.price_per_gb.is_finite() && o.path.price_per_gb >= 0.0) {
            return invalid("price_per_gb must be finite and ≥ 0");
        }
        if overrides.insert((o.src.clone(), o.dst.clone()), o.path).is_some() {
            return invalid("this direction is overridden twice");
        }
    }
    Ok(overrides)
}
