//! Text renderers: `summary.json`, the per-clock metrics CSV and the convergence CSV.
//!
//! Floats are written with Rust's shortest round-trip formatting (`{}`), so identical input gives
//! byte-identical output and parsing a value back gives the same `f64`.

use serde::Serialize;

use crate::summary::{RunReport, VariantSummary};

/// Header of [`metrics_csv`].
pub const METRICS_CSV_HEADER: [&str; 9] =
    ["variant", "worker", "clock", "sim_time_s", "objective", "bytes", "compute_s", "communication_s", "wait_s"];

/// Header of [`convergence_csv`].
pub const CONVERGENCE_CSV_HEADER: [&str; 4] = ["variant", "clock", "sim_time_s", "objective"];

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
}

/// Renders `summary.json`: scenario, seed, objective name, target and, per variant, its name followed by the
/// [`VariantSummary`] fields (flattened). The per-clock series are left out (they go to the CSVs).
///
/// # Returns
/// Pretty-printed JSON ending in a newline. Non-finite floats become `null`.
pub fn summary_json(report: &RunReport) -> String {
    let doc = SummaryJson {
        scenario: &report.scenario,
        seed: report.seed,
        objective_name: &report.objective_name,
        target_objective: report.target_objective,
        variants: report.variants.iter().map(|v| VariantJson { name: &v.name, summary: &v.summary }).collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain structs with string keys always serialize");
    out.push('\n');
    out
}

/// Renders the per-clock metrics CSV: one row per (variant, worker, clock), in report order, with header
/// [`METRICS_CSV_HEADER`]. Times are simulated seconds; `objective` is empty when not recorded.
pub fn metrics_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, METRICS_CSV_HEADER);
    for v in &report.variants {
        for r in &v.worker_clocks {
            write_row(
                &mut w,
                [
                    v.name.clone(),
                    r.worker.to_string(),
                    r.clock.to_string(),
                    r.sim_time_s.to_string(),
                    r.objective.map(|o| o.to_string()).unwrap_or_default(),
                    r.bytes.to_string(),
                    r.compute_s.to_string(),
                    r.communication_s.to_string(),
                    r.wait_s.to_string(),
                ],
            );
        }
    }
    finish(w)
}

/// Renders the convergence CSV: one row per (variant, convergence point), in report order, with header
/// [`CONVERGENCE_CSV_HEADER`]. `sim_time_s` is simulated seconds.
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
        assert_eq!(lines[0], "variant,worker,clock,sim_time_s,objective,bytes,compute_s,communication_s,wait_s");
        assert_eq!(lines.len(), 1 + 4 + 4);
        assert_eq!(lines[1], "bsp,0,1,0.5,0.6,1000,0.25,0.125,0.125");
        assert_eq!(lines[2], "bsp,0,2,1,,1000,0.25,0.125,0.125");
        assert!(lines[5].starts_with("ssp-2,0,1,"));
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
        let r = small_report();
        let s = serde_json::to_string(&r).unwrap();
        let back: RunReport = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
    }
}
