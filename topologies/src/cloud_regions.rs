//! Measured WAN paths between AWS regions, embedded from the Skyplane data set.
//!
//! # Data
//! `topologies/data/cloud_regions/` holds the AWS ↔ AWS rows of three files measured by the Skyplane
//! project (Jain et al., "Skyplane: Optimizing Transfer Cost and Throughput Using Cloud-Aware Overlays",
//! NSDI 2023; repository `skyplane-project/skyplane`, `profiles/`, January 2022; Apache-2.0; see the
//! `NOTICE.md` there):
//! - `throughput.csv`: iperf3 with **64 parallel TCP streams** for 5 s between m5.8xlarge VMs;
//!   `throughput_received` [bits/s]. One TCP flow gets less than this.
//! - `latency.csv`: ping between m5.large VMs; `avg_rtt` [ms].
//! - `egress_cost.csv`: list price of sending data out of `src` to `dest` [USD per GB].
//!
//! The files are compiled in with `include_str!` and parsed once on first use; nothing is read at run
//! time. Measurements are **asymmetric**: `wan_path(a, b)` and `wan_path(b, a)` differ in bandwidth,
//! latency and (in some pairs) price.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use sim_core::{BytesPerSec, LinkSpec, SimDuration};

const LATENCY_CSV: &str = include_str!("../data/cloud_regions/latency.csv");
const THROUGHPUT_CSV: &str = include_str!("../data/cloud_regions/throughput.csv");
const EGRESS_COST_CSV: &str = include_str!("../data/cloud_regions/egress_cost.csv");

/// The 11 Amazon EC2 regions of the Gaia evaluation (Hsieh et al., "Gaia: Geo-Distributed Machine
/// Learning Approaching LAN Speeds", NSDI 2017), as region ids of this module: Virginia, California,
/// Oregon, Ireland, Frankfurt, Tokyo, Seoul, Singapore, Sydney, Mumbai, São Paulo. Every directed pair
/// among them has a measured [`wan_path`].
pub const GAIA_EC2_REGIONS: [&str; 11] = [
    "aws:us-east-1",
    "aws:us-west-1",
    "aws:us-west-2",
    "aws:eu-west-1",
    "aws:eu-central-1",
    "aws:ap-northeast-1",
    "aws:ap-northeast-2",
    "aws:ap-southeast-1",
    "aws:ap-southeast-2",
    "aws:ap-south-1",
    "aws:sa-east-1",
];

/// One direction of a measured path between two cloud regions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WanPath {
    /// Throughput [bytes/s]: iperf3 `throughput_received` [bits/s] ÷ 8, rounded to the nearest whole
    /// byte/s. This is what **64 parallel TCP streams** between m5.8xlarge VMs achieved (Skyplane,
    /// Jain et al., NSDI 2023), not the rate of a single TCP flow.
    pub bandwidth: BytesPerSec,
    /// One-way propagation latency [ps]: ping `avg_rtt` ÷ 2, computed exactly from the decimal text and
    /// rounded up to the next picosecond.
    pub latency: SimDuration,
    /// Egress price charged by the sending region's provider [USD per GB].
    pub price_per_gb: f64,
}

impl WanPath {
    /// This path as one direction of a full-duplex cable.
    pub fn link_spec(&self) -> LinkSpec {
        LinkSpec {
            bandwidth: self.bandwidth,
            latency: self.latency,
            price_per_gb: self.price_per_gb,
            half_duplex: false,
        }
    }
}

/// The measured path from region `src` to region `dst`, e.g. `wan_path("aws:us-east-1", "aws:us-west-1")`.
///
/// `None` if either region is not in [`regions`], or `src == dst`. If a data file had several rows for one
/// directed pair, the **first** row in file order is used (the embedded AWS subset has exactly one row per
/// pair and file; a test checks this).
pub fn wan_path(src: &str, dst: &str) -> Option<WanPath> {
    table().paths.get(&(src.to_owned(), dst.to_owned())).copied()
}

/// The region ids with measurements in all three files, sorted (`"aws:af-south-1"`, …): 20 AWS regions.
/// Every directed pair of distinct regions in this list has a [`wan_path`].
pub fn regions() -> Vec<String> {
    table().regions.clone()
}

struct Table {
    paths: BTreeMap<(String, String), WanPath>,
    regions: Vec<String>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(parse_table)
}

type PairMap<T> = BTreeMap<(String, String), T>;

fn parse_table() -> Table {
    let latency = parse_pairs(LATENCY_CSV, "latency.csv", ("src_region", "dst_region"), "avg_rtt", |s| {
        let rtt_ps = decimal_ms_to_ps(s)?;
        Some(SimDuration(rtt_ps.div_ceil(2)))
    });
    let bandwidth =
        parse_pairs(THROUGHPUT_CSV, "throughput.csv", ("src_region", "dst_region"), "throughput_received", |s| {
            let bits: f64 = s.parse().ok()?;
            let bytes = (bits / 8.0).round();
            (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(BytesPerSec(bytes as u64))
        });
    let price = parse_pairs(EGRESS_COST_CSV, "egress_cost.csv", ("src", "dest"), "cost", |s| {
        let usd: f64 = s.parse().ok()?;
        (usd.is_finite() && usd >= 0.0).then_some(usd)
    });

    let mut paths = BTreeMap::new();
    for (pair, &bw) in &bandwidth {
        if pair.0 == pair.1 {
            continue;
        }
        if let (Some(&lat), Some(&usd)) = (latency.get(pair), price.get(pair)) {
            paths.insert(pair.clone(), WanPath { bandwidth: bw, latency: lat, price_per_gb: usd });
        }
    }
    // A region is covered when it has at least one pair measured in all three files.
    let regions: BTreeSet<&String> = paths.keys().flat_map(|(a, b)| [a, b]).collect();
    let regions = regions.into_iter().cloned().collect();
    Table { paths, regions }
}

/// Parses the `value` column of an embedded CSV into a map keyed by `(src, dst)`; the first row of a pair
/// wins.
///
/// # Panics
/// If a column is missing or a value does not parse: the embedded data is part of the build.
fn parse_pairs<T>(
    text: &str,
    file: &str,
    (src_col, dst_col): (&str, &str),
    value_col: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> PairMap<T> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap_or_else(|e| panic!("{file}: bad header: {e}")).clone();
    let col =
        |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{file}: no column `{name}`"));
    let (src_i, dst_i, val_i) = (col(src_col), col(dst_col), col(value_col));
    let mut map = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| panic!("{file}: bad record {}: {e}", line + 2));
        let value = parse(&record[val_i])
            .unwrap_or_else(|| panic!("{file}:{}: bad `{value_col}` {:?}", line + 2, &record[val_i]));
        map.entry((record[src_i].to_owned(), record[dst_i].to_owned())).or_insert(value);
    }
    map
}

/// A non-negative decimal number of milliseconds (`"59.536"`) as picoseconds, exactly; digits beyond
/// the picosecond round up.
fn decimal_ms_to_ps(s: &str) -> Option<u64> {
    const FRAC_DIGITS: usize = 9; // 1 ms = 10^9 ps
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let mut ps = int.parse::<u64>().ok()?.checked_mul(10u64.pow(FRAC_DIGITS as u32))?;
    let (kept, dropped) = frac.split_at(frac.len().min(FRAC_DIGITS));
    if !kept.is_empty() {
        let scale = 10u64.pow((FRAC_DIGITS - kept.len()) as u32);
        ps = ps.checked_add(kept.parse::<u64>().ok()? * scale)?;
    }
    if dropped.bytes().any(|b| b != b'0') {
        ps = ps.checked_add(1)?;
    }
    Some(ps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_milliseconds_parse_exactly() {
        assert_eq!(decimal_ms_to_ps("59.536"), Some(59_536_000_000));
        assert_eq!(decimal_ms_to_ps("7"), Some(7_000_000_000));
        assert_eq!(decimal_ms_to_ps("0.0000000001"), Some(1));
        assert_eq!(decimal_ms_to_ps("1e3"), None);
        assert_eq!(decimal_ms_to_ps("-1.0"), None);
    }

    #[test]
    fn every_file_has_one_row_per_pair() {
        for (text, cols) in [(LATENCY_CSV, (0, 3)), (THROUGHPUT_CSV, (0, 3)), (EGRESS_COST_CSV, (0, 1))] {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut seen = BTreeSet::new();
            for r in reader.records() {
                let r = r.unwrap();
                assert!(r[cols.0].starts_with("aws:") && r[cols.1].starts_with("aws:"));
                assert!(seen.insert((r[cols.0].to_owned(), r[cols.1].to_owned())), "duplicate row {r:?}");
            }
        }
    }

    #[test]
    fn all_pairs_of_covered_regions_are_measured() {
        let regions = regions();
        assert_eq!(regions.len(), 20);
        assert!(regions.windows(2).all(|w| w[0] < w[1]));
        for a in &regions {
            for b in &regions {
                assert_eq!(wan_path(a, b).is_some(), a != b, "{a} -> {b}");
            }
        }
    }

    #[test]
    fn gaia_regions_are_fully_covered() {
        for a in GAIA_EC2_REGIONS {
            for b in GAIA_EC2_REGIONS {
                if a != b {
                    assert!(wan_path(a, b).is_some(), "{a} -> {b}");
                }
            }
        }
    }

    #[test]
    fn measured_values_match_the_csv() {
        // throughput.csv: aws:us-east-1 -> aws:us-west-1 throughput_received 4362799930.484241 bits/s;
        // latency.csv: avg_rtt 59.56 ms; egress_cost.csv: 0.02 USD/GB.
        let vc = wan_path("aws:us-east-1", "aws:us-west-1").unwrap();
        assert_eq!(
            vc,
            WanPath {
                bandwidth: BytesPerSec(545_349_991),
                latency: SimDuration::from_ps(29_780_000_000),
                price_per_gb: 0.02,
            }
        );
        // Reverse: 4361707515.472474 bits/s, avg_rtt 59.536 ms, 0.02 USD/GB.
        let cv = wan_path("aws:us-west-1", "aws:us-east-1").unwrap();
        assert_eq!(
            cv,
            WanPath {
                bandwidth: BytesPerSec(545_213_439),
                latency: SimDuration::from_ps(29_768_000_000),
                price_per_gb: 0.02,
            }
        );
        // Singapore -> São Paulo: 1926151465.614759 bits/s, avg_rtt 360.053 ms, 0.09 USD/GB.
        let ss = wan_path("aws:ap-southeast-1", "aws:sa-east-1").unwrap();
        assert_eq!(
            ss,
            WanPath {
                bandwidth: BytesPerSec(240_768_933),
                latency: SimDuration::from_ps(180_026_500_000),
                price_per_gb: 0.09,
            }
        );
        // São Paulo -> Singapore: 1923550205.4336092 bits/s, avg_rtt 358.307 ms, 0.138 USD/GB.
        let sg = wan_path("aws:sa-east-1", "aws:ap-southeast-1").unwrap();
        assert_eq!(
            sg,
            WanPath {
                bandwidth: BytesPerSec(240_443_776),
                latency: SimDuration::from_ps(179_153_500_000),
                price_per_gb: 0.138,
            }
        );
    }

    #[test]
    fn unknown_or_self_pairs_have_no_path() {
        assert_eq!(wan_path("aws:us-east-1", "aws:us-east-1"), None);
        assert_eq!(wan_path("aws:mars-1", "aws:us-east-1"), None);
        assert_eq!(wan_path("us-east-1", "us-west-1"), None);
        // In latency.csv only / in throughput.csv only.
        assert_eq!(wan_path("aws:ap-southeast-3", "aws:us-east-1"), None);
        assert_eq!(wan_path("aws:eu-west-3", "aws:us-east-1"), None);
    }
}
