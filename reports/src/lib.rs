//! Reports of a clustersim run: JSON and CSV tables and plots, rendered into memory.
//!
//! The caller (the `clustersim` package) converts a finished run into a [`RunReport`], a plain data type, and
//! asks this crate for `summary.json` ([`summary_json`]), the per-clock metrics CSV ([`metrics_csv`]), the
//! convergence CSV ([`convergence_csv`]), the staleness CSV ([`staleness_csv`]) and four figures, each as SVG and
//! PNG: objective vs simulated time ([`convergence_svg`], [`convergence_png`]), the compute / communication /
//! waiting breakdown ([`breakdown_svg`], [`breakdown_png`]), the staleness distribution of each variant's reads
//! ([`staleness_svg`], [`staleness_png`]) and the WAN traffic and cost of each variant ([`wan_svg`],
//! [`wan_png`]). Runs of Gaia's Approximate Synchronous Parallel model add an [`AspSummary`] to each variant.
//!
//! Collective benchmarks (a collective timed over a sweep of message sizes, per algorithm and platform) come as
//! a [`CollectiveReport`]: [`collective_summary_json`] and [`collective_csv`] tabulate it, [`busbw_svg`] /
//! [`busbw_png`] plot bus bandwidth and [`time_svg`] / [`time_png`] the collective time against message size,
//! and [`link_load_svg`] / [`link_load_png`] draw a variant's [`LinkLoad`] (bytes per directed link) as a
//! heatmap. A phased run (collectives separated by optical circuit switch reconfigurations) adds its
//! [`CollectivePhase`]s to each point; [`collective_csv`] then writes a row per phase and a total.
//!
//! Runs of STRADS scheduled model parallelism commit rounds instead of clocks: each variant then carries a
//! [`StradsSummary`] and its [`RoundReport`]s ([`VariantReport::rounds`]). [`strads_csv`] writes a row per
//! round (with the running sum of the parallelization error), [`nonzeros_svg`] / [`nonzeros_png`] plot the
//! model's non-zero variables against simulated time and [`parallelization_svg`] / [`parallelization_png`] the
//! cumulative parallelization error (objective increase from updating a round's variables together) against
//! the round; both plots thin runs of many rounds to at most 2 000 points per line.
//!
//! DNN training runs (data, tensor and pipeline parallelism) come as a [`DnnReport`], one [`DnnVariantReport`]
//! per variant describing one training iteration: [`dnn_summary_json`] and [`dnn_csv`] tabulate it,
//! [`dnn_breakdown_svg`] / [`dnn_breakdown_png`] stack each variant's compute, exposed communication, pipeline
//! bubble and other time, and [`throughput_svg`] / [`throughput_png`] plot a [`ThroughputPlot`] (throughput
//! against GPU count). [`trace_json`] writes a run's [`TraceSpan`]s on named [`TraceTrack`]s as a Chrome
//! trace-event file for Perfetto. A variant run with failures carries a [`FaultReport`] (checkpoints, lost
//! work, restarts): [`faults_csv`] lists its failures and [`recovery_svg`] / [`recovery_png`] draw the job's
//! progress through them and what they cost. A parameter-server variant run with failures carries a
//! [`PsFaultReport`] in [`VariantReport::faults`] (its convergence then follows the job's wall clock, climbing
//! back at each rollback): [`ps_faults_csv`] lists its failures, [`ps_recovery_svg`] / [`ps_recovery_png`]
//! draw its clocks through them.
//!
//! A parameter sweep (a grid or random sample of scenario variations) comes as a [`SweepReport`]: [`sweep_csv`]
//! and [`sweep_json`] tabulate one row per point and variant, [`sweep_axis_svg`] / [`sweep_axis_png`] plot a
//! metric against one swept axis (mean over the other axes, with its range).
//!
//! **Architecture Invariant:** `reports` depends on no other workspace crate and never touches the file
//! system (nor the terminal or the clock). It renders into `String` / `Vec<u8>` and the caller writes the
//! files. Rationale: the engine can change without touching reports, and reports can be tested byte for byte.
//!
//! **Determinism:** every renderer is a pure function of its input; the same [`RunReport`] gives
//! byte-identical output, and no output contains wall-clock time. All times are simulated seconds.
//!
//! **Fonts:** PNG text uses DejaVu Sans embedded in the binary (`assets/`, Bitstream Vera license), registered
//! once as plotters' `"sans-serif"` family, so plots render on machines without system fonts or fontconfig.
//!
//! # Example
//! ```
//! use reports::{summary_json, RunReport};
//!
//! let report = RunReport {
//!     scenario: "quickstart".into(),
//!     seed: 7,
//!     objective_name: "logistic loss".into(),
//!     target_objective: Some(0.35),
//!     variants: vec![],
//! };
//! let json = summary_json(&report);
//! assert!(json.contains("\"seed\": 7"));
//! let png = reports::convergence_png(&report).unwrap();
//! assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
//! ```
#![deny(missing_docs)]
// Rationale: docs state units in brackets (`[s]`, `[bytes]`), as STYLE.md asks; rustdoc would take them for
// intra-doc links and warn.
#![allow(rustdoc::broken_intra_doc_links)]

mod breakdown;
mod collective;
mod collective_plot;
mod convergence;
mod dnn;
mod dnn_plot;
mod error;
mod faults;
mod heatmap;
mod log_axis;
mod plot;
mod staleness;
mod strads;
mod summary;
mod sweep;
mod tables;
#[cfg(test)]
mod test_support;
mod trace;
mod wan;

pub use breakdown::{breakdown_png, breakdown_svg};
pub use collective::{
    collective_csv, collective_summary_json, CollectivePhase, CollectivePoint, CollectiveReport, CollectiveVariant,
    LinkLoad, COLLECTIVE_CSV_HEADER, COLLECTIVE_PHASES_CSV_HEADER,
};
pub use collective_plot::{busbw_png, busbw_svg, time_png, time_svg};
pub use convergence::{convergence_png, convergence_svg};
pub use dnn::{dnn_csv, dnn_summary_json, DnnReport, DnnVariantReport, MemoryBreakdown, DNN_CSV_HEADER};
pub use dnn_plot::{
    dnn_breakdown_png, dnn_breakdown_svg, throughput_png, throughput_svg, ThroughputPlot, ThroughputSeries,
};
pub use error::ReportError;
pub use faults::{
    faults_csv, ps_faults_csv, ps_recovery_png, ps_recovery_svg, recovery_png, recovery_svg, FailureReport,
    FaultReport, LinkEventReport, PsFailureReport, PsFaultReport, FAULTS_CSV_HEADER, PS_FAULTS_CSV_HEADER,
};
pub use heatmap::{link_load_png, link_load_svg, traffic_matrix_png, traffic_matrix_svg};
pub use plot::{HEATMAP_HEIGHT_PX, HEATMAP_WIDTH_PX, HEIGHT_PX, WIDTH_PX};
pub use staleness::{staleness_png, staleness_svg};
pub use strads::{nonzeros_png, nonzeros_svg, parallelization_png, parallelization_svg, strads_csv, STRADS_CSV_HEADER};
pub use summary::{
    AspSummary, ConvergencePoint, RoundReport, RunReport, StradsSummary, VariantReport, VariantSummary,
    WorkerClockRecord,
};
pub use sweep::{sweep_axis_png, sweep_axis_svg, sweep_csv, sweep_json, SweepAxis, SweepReport, SweepRow, SweepShape};
pub use tables::{
    convergence_csv, metrics_csv, staleness_csv, summary_json, CONVERGENCE_CSV_HEADER, METRICS_CSV_HEADER,
    STALENESS_CSV_HEADER,
};
pub use trace::{trace_json, SpanCategory, TraceSpan, TraceTrack};
pub use wan::{wan_png, wan_svg};
