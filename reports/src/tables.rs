//! Text renderers: `summary.json`, the per-clock metrics CSV, the convergence CSV and the staleness CSV.
//!
//! Floats are written with Rust's shortest round-trip formatting (`{}`), so identical input gives
//! byte-identical output and parsing a value back gives the same `f64`.

use serde::Serialize;

use crate::summary::{RunReport, VariantSummary};

/// Header of [`metrics_csv`]. The first nine columns describe one (worker, clock); the rest repeat whole-run
/// values of the row's variant: `staleness_variance` [clocks²], `rows_pushed` [count] and the fields of its
/// [`AspSummary`](crate::AspSummary) prefixed `asp_` (threshold [fraction], checked [count], significant
/// [count], significant_share [fraction], mirror_bytes [bytes], barrier_held_reads [count], max_mirror_lead
/// [clocks]), empty when the variant has none. New columns are only ever appended.
pub const METRICS_CSV_HEADER: [&str; 18] = [
    "variant",
    "worker",
    "clock",
    "sim_time_s",
    "objective",
    "bytes",
    "compute_s",
    "communication_s",
    "wait_s",
    "staleness_variance",
    "rows_pushed",
    "asp_threshold",
    "asp_checked",
    "asp_significant",
    "asp_significant_share",
    "asp_mirror_bytes",
    "asp_barrier_held_reads",
    "asp_max_mirror_lead",
];

/// Header of [`convergence_csv`].
pub const CONVERGENCE_CSV_HEADER: [&str; 4] = ["variant", "clock", "sim_time_s", "objective"];

/// Header of [`staleness_csv`]: variant name, staleness [clocks], reads at that staleness [count] and their
/// share of the variant's reads [fraction, 0..=1].
pub const STALENESS_CSV_HEADER: [&str; 4] = ["variant", "staleness_clocks", "reads", "share"];

#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    seed: u64,
    objective_name: &'a str,
    target_objective: Option<f64>,
    variants: Vec<VariantJson<'a>>,
}

#[derive(Serialize)]
struct VariantJson<'a> {
    name: &'a str,
    #[serde(flatten)]
    summary: &'a VariantSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    faults: Option<&'a crate::faults::PsFaultReport>,
}

/// Renders `summary.json`: scenario, seed, objective name, target and, per variant, its name followed by the
/// [`VariantSummary`] fields (flattened) and, for a run with faults, its `faults` block
/// ([`crate::PsFaultReport`]). The per-clock series are left out (they go to the CSVs).
///
/// # Returns
/// Pretty-printed JSON ending in a newline. Non-finite floats become `null`.
pub fn summary_json(report: &RunReport) -> String {
    let doc = SummaryJson {
        scenario: &report.scenario,
        seed: report.seed,
        objective_name: &report.objective_name,
        target_objective: report.target_objective,
        variants: report
            .variants
            .iter()
            .map(|v| VariantJson { name: &v.name, summary: &v.summary, faults: v.faults.as_ref() })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain structs with string keys always serialize");
    out.push('\n');
    out
}

/// Renders the per-clock metrics CSV: one row per (variant, worker, clock), in report order, with header
/// [`METRICS_CSV_HEADER`]. Times are simulated seconds; `objective` is empty when not recorded, and so are the
/// `asp_` columns of a variant without an [`AspSummary`](crate::AspSummary).
pub fn metrics_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, METRICS_CSV_HEADER);
    for v in &report.variants {
        let run_columns = variant_columns(&v.summary);
        for r in &v.worker_clocks {
            let clock_columns = [
                v.name.clone(),
                r.worker.to_string(),
                r.clock.to_string(),
                r.sim_time_s.to_string(),
                r.objective.map(|o| o.to_string()).unwrap_or_default(),
                r.bytes.to_string(),
                r.compute_s.to_string(),
                r.communication_s.to_string(),
                r.wait_s.to_string(),
            ];
            write_row(&mut w, clock_columns.iter().chain(&run_columns));
        }
    }
    finish(w)
}

/// The whole-run columns of [`METRICS_CSV_HEADER`] (from `staleness_variance` on) for one variant.
fn variant_columns(s: &VariantSummary) -> [String; 9] {
    let asp = |f: &dyn Fn(&crate::AspSummary) -> String| s.asp.as_ref().map(f).unwrap_or_default();
    [
        s.staleness_variance.to_string(),
        s.rows_pushed.to_string(),
        asp(&|a| a.threshold.to_string()),
        asp(&|a| a.checked.to_string()),
        asp(&|a| a.significant.to_string()),
        asp(&|a| a.significant_share.to_string()),
        asp(&|a| a.mirror_bytes.to_string()),
        asp(&|a| a.barrier_held_reads.to_string()),
        asp(&|a| a.max_mirror_lead.to_string()),
    ]
}

/// Renders the staleness CSV: for each variant in report order, one row per staleness from 0 to its largest
/// ([`VariantSummary::staleness_histogram`] without trailing empty buckets; empty buckets in between are kept),
/// with header [`STALENESS_CSV_HEADER`]. `share` is the bucket's fraction of the variant's histogram total, so a
/// variant's shares sum to 1 (up to rounding); a variant without reads has no rows.
pub fn staleness_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, STALENESS_CSV_HEADER);
    for v in &report.variants {
        let histogram = crate::staleness::trimmed(&v.summary.staleness_histogram);
        let shares = crate::staleness::shares(histogram);
        for (k, (reads, share)) in histogram.iter().zip(shares).enumerate() {
            write_row(&mut w, [v.name.clone(), k.to_string(), reads.to_string(), share.to_string()]);
        }
    }
    finish(w)
}

/// Renders the convergence CSV: one row per (variant, convergence point), in report order, with header
/// [`CONVERGENCE_CSV_HEADER`]. `sim_time_s` is simulated seconds; for a variant with faults, the job's wall
/// clock through failures, where clocks repeat after each rollback.
pub fn convergence_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, CONVERGENCE_CSV_HEADER);
    for v in &report.variants {
        for p in &v.convergence {
            write_row(&mut w, [v.name.clone(), p.clock.to_string(), p.sim_time_s.to_string(), p.objective.to_string()]);
        }
    }
    finish(w)
}

pub(crate) fn write_row<I, T>(w: &mut csv::Writer<Vec<u8>>, row: I)
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    // Rationale: the sink is a Vec<u8> and every record has the header's length, so this cannot fail.
    w.write_record(row).expect("writing a CSV record to memory cannot fail");
}

pub(crate) fn finish(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().expect("flushing a CSV writer into memory cannot fail");
    String::from_utf8(bytes).expect("CSV built from Rust strings is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_report;
    use crate::AspSummary;

    #[test]
    fn summary_json_has_header_fields_and_flattened_summaries_but_no_series() {
        let json = summary_json(&small_report());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["scenario"], "quickstart");
        assert_eq!(v["seed"], 42);
        assert_eq!(v["objective_name"], "logistic loss");
        assert_eq!(v["target_objective"], 0.35);
        let variants = v["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[0]["name"], "bsp");
        assert_eq!(variants[0]["final_objective"], 0.31);
        assert_eq!(variants[0]["clocks"], 3);
        assert_eq!(variants[0]["bytes_sent"], 123_456);
        assert_eq!(variants[1]["name"], "ssp-2");
        assert_eq!(variants[1]["time_to_target_s"], serde_json::Value::Null);
        assert!(!json.contains("convergence"), "per-clock series must stay out of summary.json");
        assert!(!json.contains("worker_clocks"));
        assert!(json.ends_with("}\n"));
        // Field order is the struct order: name first, then the summary.
        let name_at = json.find("\"name\"").unwrap();
        let final_at = json.find("\"final_objective\"").unwrap();
        assert!(name_at < final_at);
    }

    #[test]
    fn metrics_csv_has_header_one_row_per_worker_clock_and_empty_missing_objective() {
        let csv = metrics_csv(&small_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "variant,worker,clock,sim_time_s,objective,bytes,compute_s,communication_s,wait_s,\
             staleness_variance,rows_pushed,asp_threshold,asp_checked,asp_significant,asp_significant_share,\
             asp_mirror_bytes,asp_barrier_held_reads,asp_max_mirror_lead"
        );
        assert_eq!(lines.len(), 1 + 4 + 4);
        assert_eq!(lines[1], "bsp,0,1,0.5,0.6,1000,0.25,0.125,0.125,0,0,,,,,,,");
        assert_eq!(lines[2], "bsp,0,2,1,,1000,0.25,0.125,0.125,0,0,,,,,,,");
        assert!(lines[5].starts_with("ssp-2,0,1,"));
        assert!(lines[5].ends_with(",0.125,0.5,0,,,,,,,"), "{}", lines[5]);
    }

    #[test]
    fn metrics_csv_repeats_the_variants_asp_summary_on_each_of_its_rows() {
        let mut r = small_report();
        r.variants[1].summary.rows_pushed = 17;
        r.variants[1].summary.asp = Some(asp_summary());
        let csv = metrics_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[1].ends_with(",0,0,,,,,,,"), "bsp has no ASP summary: {}", lines[1]);
        for line in &lines[5..] {
            assert!(line.ends_with(",0.5,17,0.01,1000,25,0.025,4096,3,2"), "{line}");
        }
        for line in &lines {
            assert_eq!(line.split(',').count(), METRICS_CSV_HEADER.len(), "{line}");
        }
    }

    fn asp_summary() -> AspSummary {
        AspSummary {
            threshold: 0.01,
            checked: 1000,
            significant: 25,
            significant_share: 0.025,
            mirror_bytes: 4096,
            barrier_held_reads: 3,
            max_mirror_lead: 2,
        }
    }

    #[test]
    fn staleness_csv_has_one_row_per_staleness_up_to_the_largest() {
        let mut r = small_report();
        crate::test_support::set_staleness(&mut r.variants[1].summary, &[1, 0, 3, 0, 0]);
        let csv = staleness_csv(&r);
        assert_eq!(
            csv,
            "variant,staleness_clocks,reads,share\nbsp,0,12,1\nssp-2,0,1,0.25\nssp-2,1,0,0\nssp-2,2,3,0.75\n"
        );
        crate::test_support::set_staleness(&mut r.variants[0].summary, &[]);
        let csv = staleness_csv(&r);
        assert!(!csv.contains("bsp"), "no reads, no rows: {csv}");
        r.variants.clear();
        assert_eq!(staleness_csv(&r), "variant,staleness_clocks,reads,share\n");
    }

    #[test]
    fn convergence_csv_has_header_and_rows_in_order() {
        let csv = convergence_csv(&small_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "variant,clock,sim_time_s,objective");
        assert_eq!(lines[1], "bsp,0,0,0.6931471805599453");
        assert_eq!(lines[2], "bsp,1,0.5,0.6");
        assert_eq!(lines.len(), 1 + 4 + 4);
        assert!(lines[8].starts_with("ssp-2,3,"));
    }

    #[test]
    fn names_with_commas_are_quoted() {
        let mut r = small_report();
        r.variants[0].name = "ssp, s=3".into();
        let csv = convergence_csv(&r);
        assert!(csv.lines().nth(1).unwrap().starts_with("\"ssp, s=3\",0,"));
    }

    #[test]
    fn empty_report_still_has_headers() {
        let mut r = small_report();
        r.variants.clear();
        assert_eq!(convergence_csv(&r), "variant,clock,sim_time_s,objective\n");
        assert_eq!(metrics_csv(&r).lines().count(), 1);
    }

    #[test]
    fn report_round_trips_through_serde() {
        let mut r = small_report();
        r.variants[1].summary.rows_pushed = 17;
        r.variants[1].summary.asp = Some(asp_summary());
        let s = serde_json::to_string(&r).unwrap();
        let back: RunReport = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.variants[1].summary.staleness_histogram, vec![3, 6, 3]);
        assert_eq!(back.variants[1].summary.asp.as_ref().unwrap().significant, 25);
    }

    #[test]
    fn summary_json_carries_staleness_distribution_pushes_and_asp() {
        let mut r = small_report();
        r.variants[1].summary.rows_pushed = 17;
        r.variants[1].summary.asp = Some(asp_summary());
        let json = summary_json(&r);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let (bsp, ssp) = (&v["variants"][0], &v["variants"][1]);
        assert_eq!(bsp["staleness_variance"], 0.0);
        assert_eq!(bsp["staleness_histogram"], serde_json::json!([12]));
        assert_eq!(bsp["rows_pushed"], 0);
        assert_eq!(bsp["asp"], serde_json::Value::Null);
        assert!(bsp.as_object().unwrap().contains_key("asp"), "asp: null is written, not left out");
        assert_eq!(ssp["staleness_variance"], 0.5);
        assert_eq!(ssp["staleness_histogram"], serde_json::json!([3, 6, 3]));
        assert_eq!(ssp["rows_pushed"], 17);
        assert_eq!(
            ssp["asp"],
            serde_json::json!({
                "threshold": 0.01, "checked": 1000, "significant": 25, "significant_share": 0.025,
                "mirror_bytes": 4096, "barrier_held_reads": 3, "max_mirror_lead": 2
            })
        );
    }

    #[test]
    fn summaries_written_before_the_new_fields_still_parse() {
        let mut v = serde_json::to_value(small_report()).unwrap();
        for variant in v["variants"].as_array_mut().unwrap() {
            let s = variant["summary"].as_object_mut().unwrap();
            for key in ["staleness_variance", "staleness_histogram", "rows_pushed", "asp"] {
                assert!(s.remove(key).is_some(), "{key}");
            }
        }
        let back: RunReport = serde_json::from_value(v).unwrap();
        assert_eq!(back.variants[1].summary.staleness_histogram, Vec::<u64>::new());
        assert_eq!(back.variants[1].summary.asp, None);
        assert_eq!(back.variants[1].summary.staleness_mean, 1.0);
    }
}
