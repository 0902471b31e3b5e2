//! Collective benchmarks: the result types of a message-size sweep and their text renderers.
//!
//! A [`CollectiveReport`] holds one [`CollectiveVariant`] per (algorithm, platform) pair; each variant has one
//! [`CollectivePoint`] per message size and, optionally, the bytes every link carried at the largest size
//! ([`LinkLoad`]). The bandwidths follow the nccl-tests conventions: *algorithm bandwidth* is
//! `bytes / time_s`, *bus bandwidth* scales it by the algorithm-independent traffic factor of the collective
//! (for all-reduce over `n` hosts, `2 (n − 1) / n`) so that it is comparable with the link bandwidth. The
//! caller computes both; the renderers only print and plot them.
//!
//! A phased run (a sequence of collectives on an optical circuit-switched fabric whose circuits are
//! reconfigured between them) gives each point its [`CollectivePhase`]s; the point's own figures are then the
//! totals over the phases.
//!
//! Floats are written with Rust's shortest round-trip formatting, so identical input gives byte-identical
//! output.

use serde::{Deserialize, Serialize};

use crate::tables::{finish, write_row};

/// Bytes per gigabyte in the CSV's `*_GBps` columns and the plots' [GB/s] axes (SI: 1 GB = 10⁹ bytes).
const BYTES_PER_GB: f64 = 1e9;

/// Header of [`collective_csv`].
pub const COLLECTIVE_CSV_HEADER: [&str; 9] =
    ["variant", "algorithm", "platform", "hosts", "bytes", "time_s", "algbw_GBps", "busbw_GBps", "flows"];

/// Header of [`collective_csv`] when some point has phases: one row per phase, then a `total` row.
pub const COLLECTIVE_PHASES_CSV_HEADER: [&str; 17] = [
    "variant",
    "algorithm",
    "platform",
    "hosts",
    "bytes",
    "phase",
    "name",
    "collective",
    "circuits",
    "circuits_set_up",
    "circuits_torn_down",
    "reconfiguration_ps",
    "collective_ps",
    "time_s",
    "algbw_GBps",
    "busbw_GBps",
    "flows",
];

/// A collective benchmark: one collective, timed over a sweep of message sizes for every variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectiveReport {
    /// Scenario name (used in plot titles).
    pub scenario: String,
    /// Root seed of the run, so a report can be replayed.
    pub seed: u64,
    /// The collective measured, e.g. `"all-reduce"` (used in plot titles).
    pub collective: String,
    /// Compared variants, in the order the scenario lists them.
    pub variants: Vec<CollectiveVariant>,
}

/// One algorithm on one platform, measured at every message size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectiveVariant {
    /// Variant name shown in legends, e.g. `"ring @ 64-GPU fat-tree"`.
    pub name: String,
    /// Algorithm, e.g. `"ring"`, `"tree"`, `"halving-doubling"`.
    pub algorithm: String,
    /// Platform the collective ran on, e.g. `"64-GPU fat-tree"`.
    pub platform: String,
    /// Hosts taking part in the collective [count].
    pub hosts: u32,
    /// One measurement per message size, in increasing `bytes` order.
    pub points: Vec<CollectivePoint>,
    /// Bytes carried by every link at the largest message size; `None` if not recorded.
    pub link_load: Option<LinkLoad>,
}

/// One collective of one message size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectivePoint {
    /// Message size: the buffer each host contributes [bytes].
    pub bytes: u64,
    /// Simulated time from the start of the collective to its last completion [s].
    pub time_s: f64,
    /// Algorithm bandwidth: `bytes / time_s` [bytes/s].
    pub algbw_bytes_per_s: f64,
    /// Bus bandwidth: the algorithm bandwidth times the collective's traffic factor [bytes/s].
    pub busbw_bytes_per_s: f64,
    /// Point-to-point flows the collective was made of [count].
    pub flows: u64,
    /// The phases of a phased run, in the order run; empty otherwise (and then left out of JSON). When there
    /// are phases, `time_s` is the sum of their `time_s` (from the first phase's start to the last one's end,
    /// reconfigurations included), `algbw_bytes_per_s` is `bytes / time_s`, `busbw_bytes_per_s` is the sum
    /// over phases of `bytes` times the phase collective's bus factor, divided by `time_s` (nccl-tests' bus
    /// bandwidth when there is one phase and no reconfiguration), and `flows` the sum of their flows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<CollectivePhase>,
}

/// One phase of a phased run: the optical circuit switch sets the phase's circuit configuration (if any
/// circuit changes), then one collective runs on it.
///
/// A phase starts when the previous one ends (the first at time 0, with its circuits already up). Circuits in
/// both configurations stay up; circuits only in the previous one are torn down; if any circuit is set up, the
/// collective starts after the switch's reconfiguration delay, when every circuit it needs is up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectivePhase {
    /// Phase number, from 1.
    pub phase: u32,
    /// The phase's name in the scenario.
    pub name: String,
    /// The collective and its algorithm, e.g. `"all-reduce (ring)"`.
    pub collective: String,
    /// The circuit configuration, e.g. `"ring"`, `"4×4 torus"`.
    pub circuits: String,
    /// Circuits (GPU pairs) set up before the collective [count]; 0 for the first phase.
    pub circuits_set_up: u32,
    /// Circuits torn down before the collective [count]; 0 for the first phase.
    pub circuits_torn_down: u32,
    /// Time from the phase's start to the collective's launch [ps]: the reconfiguration delay if a circuit was
    /// set up, else 0.
    pub reconfiguration_ps: u64,
    /// Time from the collective's launch to its last completion [ps].
    pub collective_ps: u64,
    /// Phase time: `reconfiguration_ps + collective_ps` [s].
    pub time_s: f64,
    /// Algorithm bandwidth of the collective: `bytes / collective time` [bytes/s].
    pub algbw_bytes_per_s: f64,
    /// Bus bandwidth of the collective: its algorithm bandwidth times the collective's traffic factor
    /// [bytes/s].
    pub busbw_bytes_per_s: f64,
    /// Point-to-point flows of the collective [count].
    pub flows: u64,
}

/// Traffic per directed link: how many bytes each link carried during one collective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkLoad {
    /// Node names, in node-index order (hosts first, then switches, as the platform builders number them).
    pub nodes: Vec<String>,
    /// `bytes[src][dst]`: bytes carried by the link `src → dst` [bytes]; 0 where there is no such link or it
    /// carried nothing. Square, `nodes.len()` × `nodes.len()`; renderers treat missing entries as 0.
    pub bytes: Vec<Vec<u64>>,
}

impl LinkLoad {
    /// Side of the (square) matrix: the largest of the node count, the row count and the longest row.
    pub(crate) fn size(&self) -> usize {
        let longest_row = self.bytes.iter().map(Vec::len).max().unwrap_or(0);
        self.nodes.len().max(self.bytes.len()).max(longest_row)
    }

    /// Non-zero entries as `(src, dst, bytes)`, in row-major order.
    pub(crate) fn used_links(&self) -> impl Iterator<Item = (usize, usize, u64)> + '_ {
        self.bytes
            .iter()
            .enumerate()
            .flat_map(|(src, row)| row.iter().enumerate().map(move |(dst, &b)| (src, dst, b)))
            .filter(|&(_, _, b)| b > 0)
    }

    /// The most loaded link `(src, dst, bytes)`, the first in row-major order on ties; `None` if no link
    /// carried anything.
    pub(crate) fn max_link(&self) -> Option<(usize, usize, u64)> {
        self.used_links().fold(None, |best, l| match best {
            Some((_, _, b)) if b >= l.2 => best,
            _ => Some(l),
        })
    }

    /// Name of node `i`, or its index if the names do not reach that far.
    pub(crate) fn node_name(&self, i: usize) -> String {
        self.nodes.get(i).cloned().unwrap_or_else(|| i.to_string())
    }
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    seed: u64,
    collective: &'a str,
    variants: Vec<VariantJson<'a>>,
}

#[derive(Serialize)]
struct VariantJson<'a> {
    name: &'a str,
    algorithm: &'a str,
    platform: &'a str,
    hosts: u32,
    points: &'a [CollectivePoint],
    link_load_summary: Option<LinkLoadSummary>,
}

/// What `summary.json` says about a link-load matrix instead of printing it.
#[derive(Serialize)]
struct LinkLoadSummary {
    /// Matrix side [nodes].
    nodes: usize,
    /// Links that carried at least one byte [count].
    links_used: usize,
    /// Bytes summed over all links (saturating) [bytes].
    total_bytes: u64,
    /// Bytes carried by the most loaded link [bytes].
    max_link_bytes: u64,
    /// Source node of the most loaded link (`None` if no link carried anything).
    max_link_src: Option<String>,
    /// Its destination node.
    max_link_dst: Option<String>,
}

impl LinkLoadSummary {
    fn of(load: &LinkLoad) -> Self {
        let max = load.max_link();
        LinkLoadSummary {
            nodes: load.size(),
            links_used: load.used_links().count(),
            total_bytes: load.used_links().fold(0u64, |sum, (_, _, b)| sum.saturating_add(b)),
            max_link_bytes: max.map_or(0, |m| m.2),
            max_link_src: max.map(|m| load.node_name(m.0)),
            max_link_dst: max.map(|m| load.node_name(m.1)),
        }
    }
}

/// Renders the collective benchmark's `summary.json`: scenario, seed, collective and, per variant, its name,
/// algorithm, platform, hosts and every point (the [`CollectivePoint`] fields, bandwidths in [bytes/s]).
/// Link-load matrices are left out; in their place `link_load_summary` gives the matrix side (`nodes`),
/// `links_used`, `total_bytes`, `max_link_bytes`, `max_link_src` and `max_link_dst` (`null` without a
/// matrix).
///
/// # Returns
/// Pretty-printed JSON ending in a newline. Non-finite floats become `null`.
pub fn collective_summary_json(report: &CollectiveReport) -> String {
    let doc = SummaryJson {
        scenario: &report.scenario,
        seed: report.seed,
        collective: &report.collective,
        variants: report
            .variants
            .iter()
            .map(|v| VariantJson {
                name: &v.name,
                algorithm: &v.algorithm,
                platform: &v.platform,
                hosts: v.hosts,
                points: &v.points,
                link_load_summary: v.link_load.as_ref().map(LinkLoadSummary::of),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain structs with string keys always serialize");
    out.push('\n');
    out
}

/// Renders the collective benchmark CSV: one row per (variant, message size), in report order, with header
/// [`COLLECTIVE_CSV_HEADER`]. `time_s` is simulated seconds; `algbw_GBps` and `busbw_GBps` are
/// [GB/s] with 1 GB = 10⁹ bytes.
///
/// If any point has [`CollectivePhase`]s, the header is [`COLLECTIVE_PHASES_CSV_HEADER`] instead and each
/// (variant, message size) gives one row per phase (`phase` = 1, 2, …, with the phase's figures), then a row
/// with `phase` = `total` (empty `name`, `collective` and `circuits`; circuit counts, `reconfiguration_ps`
/// and `collective_ps` summed; the point's `time_s`, bandwidths and flows).
pub fn collective_csv(report: &CollectiveReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    if report.variants.iter().any(|v| v.points.iter().any(|p| !p.phases.is_empty())) {
        write_row(&mut w, COLLECTIVE_PHASES_CSV_HEADER);
        for v in &report.variants {
            let head = || [v.name.clone(), v.algorithm.clone(), v.platform.clone(), v.hosts.to_string()];
            for p in &v.points {
                for ph in &p.phases {
                    let row = [
                        p.bytes.to_string(),
                        ph.phase.to_string(),
                        ph.name.clone(),
                        ph.collective.clone(),
                        ph.circuits.clone(),
                        ph.circuits_set_up.to_string(),
                        ph.circuits_torn_down.to_string(),
                        ph.reconfiguration_ps.to_string(),
                        ph.collective_ps.to_string(),
                        ph.time_s.to_string(),
                        gb_per_s(ph.algbw_bytes_per_s).to_string(),
                        gb_per_s(ph.busbw_bytes_per_s).to_string(),
                        ph.flows.to_string(),
                    ];
                    write_row(&mut w, head().into_iter().chain(row));
                }
                let sum = |f: &dyn Fn(&CollectivePhase) -> u64| p.phases.iter().map(f).sum::<u64>().to_string();
                let total = [
                    p.bytes.to_string(),
                    "total".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    sum(&|ph| ph.circuits_set_up.into()),
                    sum(&|ph| ph.circuits_torn_down.into()),
                    sum(&|ph| ph.reconfiguration_ps),
                    sum(&|ph| ph.collective_ps),
                    p.time_s.to_string(),
                    gb_per_s(p.algbw_bytes_per_s).to_string(),
                    gb_per_s(p.busbw_bytes_per_s).to_string(),
                    p.flows.to_string(),
                ];
                write_row(&mut w, head().into_iter().chain(total));
            }
        }
        return finish(w);
    }
    write_row(&mut w, COLLECTIVE_CSV_HEADER);
    for v in &report.variants {
        for p in &v.points {
            write_row(
                &mut w,
                [
                    v.name.clone(),
                    v.algorithm.clone(),
                    v.platform.clone(),
                    v.hosts.to_string(),
                    p.bytes.to_string(),
                    p.time_s.to_string(),
                    (p.algbw_bytes_per_s / BYTES_PER_GB).to_string(),
                    (p.busbw_bytes_per_s / BYTES_PER_GB).to_string(),
                    p.flows.to_string(),
                ],
            );
        }
    }
    finish(w)
}

/// [bytes/s] → [GB/s].
pub(crate) fn gb_per_s(bytes_per_s: f64) -> f64 {
    bytes_per_s / BYTES_PER_GB
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_collective_report;

    #[test]
    fn csv_has_header_and_one_row_per_variant_and_size_in_gbps() {
        let csv = collective_csv(&small_collective_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "variant,algorithm,platform,hosts,bytes,time_s,algbw_GBps,busbw_GBps,flows");
        assert_eq!(lines.len(), 1 + 3 + 3);
        // 1 MiB in 0.5 ms: algbw = 2097152000 bytes/s = 2.097152 GB/s; busbw × 2·3/4 = 1.5.
        assert_eq!(lines[2], "ring @ 4-host star,ring,4-host star,4,1048576,0.0005,2.097152,3.145728,24");
        assert_eq!(lines[4], "tree @ 4-host star,tree,4-host star,4,1024,0.00002,0.0512,0.0768,12");
        assert!(lines[6].starts_with("tree @ 4-host star,tree,4-host star,4,4294967296,"));
    }

    #[test]
    fn summary_json_has_points_and_link_load_summary_but_no_matrix() {
        let json = collective_summary_json(&small_collective_report());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["scenario"], "allreduce_sweep");
        assert_eq!(v["seed"], 7);
        assert_eq!(v["collective"], "all-reduce");
        let variants = v["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 2);
        let ring = &variants[0];
        assert_eq!(ring["name"], "ring @ 4-host star");
        assert_eq!(ring["algorithm"], "ring");
        assert_eq!(ring["platform"], "4-host star");
        assert_eq!(ring["hosts"], 4);
        assert_eq!(ring["points"][1]["bytes"], 1_048_576);
        assert_eq!(ring["points"][1]["time_s"], 0.0005);
        assert_eq!(ring["points"][1]["busbw_bytes_per_s"], 3_145_728_000.0);
        assert_eq!(ring["points"][1]["flows"], 24);
        let s = &ring["link_load_summary"];
        assert_eq!(s["nodes"], 5);
        assert_eq!(s["links_used"], 8);
        assert_eq!(s["max_link_bytes"], 3000);
        assert_eq!(s["max_link_src"], "sw");
        assert_eq!(s["max_link_dst"], "h3");
        assert_eq!(s["total_bytes"], 4 * 1000 + 1000 + 1500 + 2000 + 3000);
        assert_eq!(variants[1]["link_load_summary"], serde_json::Value::Null);
        assert!(!json.contains("\"bytes\": ["), "matrices stay out of summary.json");
        assert!(!json.contains("\"link_load\""));
        assert!(json.ends_with("}\n"));
    }

    /// A two-phase point: a 1 ms ring all-reduce, then 20 µs of reconfiguration and a 2 ms all-to-all.
    fn phased_report() -> CollectiveReport {
        let mut r = small_collective_report();
        r.variants.truncate(1);
        let phase =
            |phase: u32, name: &str, set_up: u32, torn_down: u32, reconfiguration_ps: u64, ps: u64| CollectivePhase {
                phase,
                name: name.into(),
                collective: "c".into(),
                circuits: "ring".into(),
                circuits_set_up: set_up,
                circuits_torn_down: torn_down,
                reconfiguration_ps,
                collective_ps: ps,
                time_s: (reconfiguration_ps + ps) as f64 / 1e12,
                algbw_bytes_per_s: 1e9,
                busbw_bytes_per_s: 2e9,
                flows: 10,
            };
        let p = &mut r.variants[0].points[1];
        p.phases = vec![phase(1, "one", 0, 0, 0, 1_000_000_000), phase(2, "two", 20, 4, 20_000_000, 2_000_000_000)];
        p.time_s = 0.00302;
        r
    }

    #[test]
    fn phased_csv_has_a_row_per_phase_and_a_total() {
        let csv = collective_csv(&phased_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], COLLECTIVE_PHASES_CSV_HEADER.join(","));
        assert_eq!(lines.len(), 1 + 1 + (2 + 1) + 1, "a total row for points without phases too");
        assert!(lines[1].starts_with("ring @ 4-host star,ring,4-host star,4,1024,total,,,,0,0,0,0,0.00004,"));
        assert_eq!(
            lines[2],
            "ring @ 4-host star,ring,4-host star,4,1048576,1,one,c,ring,0,0,0,1000000000,0.001,1,2,10"
        );
        assert_eq!(
            lines[3],
            "ring @ 4-host star,ring,4-host star,4,1048576,2,two,c,ring,20,4,20000000,2000000000,0.00202,1,2,10"
        );
        assert!(lines[4]
            .starts_with("ring @ 4-host star,ring,4-host star,4,1048576,total,,,,20,4,20000000,3000000000,0.00302,"));
        let json = collective_summary_json(&phased_report());
        assert!(json.contains("\"reconfiguration_ps\": 20000000"), "{json}");
        assert_eq!(json.matches("\"phases\"").count(), 1, "only the point that has phases lists them");
        assert!(!collective_summary_json(&small_collective_report()).contains("phases"));
        assert!(!collective_csv(&small_collective_report()).contains("total"));
    }

    #[test]
    fn names_with_commas_are_quoted_and_empty_report_has_header() {
        let mut r = small_collective_report();
        r.variants[0].name = "ring, 4 chunks".into();
        assert!(collective_csv(&r).lines().nth(1).unwrap().starts_with("\"ring, 4 chunks\",ring,"));
        r.variants.clear();
        assert_eq!(collective_csv(&r), format!("{}\n", COLLECTIVE_CSV_HEADER.join(",")));
    }

    #[test]
    fn report_round_trips_through_serde() {
        let r = small_collective_report();
        let back: CollectiveReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn link_load_helpers_tolerate_ragged_matrices() {
        let load = LinkLoad { nodes: vec!["a".into()], bytes: vec![vec![0, 5], vec![7], vec![0, 0, 7]] };
        assert_eq!(load.size(), 3);
        assert_eq!(load.max_link(), Some((1, 0, 7)), "first in row-major order on ties");
        assert_eq!(load.node_name(0), "a");
        assert_eq!(load.node_name(2), "2");
        assert_eq!(LinkLoad { nodes: vec![], bytes: vec![] }.max_link(), None);
    }
}
