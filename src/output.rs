//! Writing a report to disk. Files are written into a fresh temporary directory beside the
//! target, which then replaces the target by rename, so a failure at any point leaves an existing
//! output directory exactly as it was. Which files a training run writes depends on its report
//! ([`file_names`]): the staleness files only if some variant read parameters, the WAN plot only if
//! some variant crossed a wide-area link.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use reports::RunReport;

/// Files every training run writes, in the order written (first in [`file_names`]).
pub const ALWAYS_FILES: [&str; 7] = [
    "summary.json",
    "metrics.csv",
    "convergence.csv",
    "convergence.png",
    "convergence.svg",
    "breakdown.png",
    "breakdown.svg",
];

/// Files a training run writes when some variant read parameters (`reads > 0`): the staleness table and
/// the staleness histogram, in the order written (after [`ALWAYS_FILES`]).
pub const STALENESS_FILES: [&str; 3] = ["staleness.csv", "staleness.png", "staleness.svg"];

/// Files a training run writes when some variant sent bytes over wide-area links (`wan_bytes > 0`): the
/// WAN traffic and cost plot, in the order written (last).
pub const WAN_FILES: [&str; 2] = ["wan.png", "wan.svg"];

/// Files a STRADS run writes (some variant has rounds): the per-round table, after [`ALWAYS_FILES`].
pub const STRADS_FILES: [&str; 1] = ["strads.csv"];

/// Files a STRADS run writes when some round measured a parallelization error (Lasso).
pub const PARALLELIZATION_FILES: [&str; 2] = ["parallelization.png", "parallelization.svg"];

/// Files a STRADS run writes when some round recorded a non-zero count (Lasso's support size).
pub const NONZERO_FILES: [&str; 2] = ["nonzeros.png", "nonzeros.svg"];

/// Names of the files a training run writes for `report`, in the order written: [`ALWAYS_FILES`], then
/// [`STALENESS_FILES`] if any variant has reads, [`STRADS_FILES`] if any variant has STRADS rounds,
/// [`PARALLELIZATION_FILES`] if any round has a parallelization error, [`NONZERO_FILES`] if any round
/// has a non-zero count, and [`WAN_FILES`] if any variant has WAN traffic.
pub fn file_names(report: &RunReport) -> Vec<&'static str> {
    let mut names = ALWAYS_FILES.to_vec();
    if report.variants.iter().any(|v| v.summary.reads > 0) {
        names.extend(STALENESS_FILES);
    }
    if report.variants.iter().any(|v| !v.rounds.is_empty()) {
        names.extend(STRADS_FILES);
    }
    if report.variants.iter().any(|v| v.rounds.iter().any(|r| r.parallelization_error != 0.0)) {
        names.extend(PARALLELIZATION_FILES);
    }
    if report.variants.iter().any(|v| v.rounds.iter().any(|r| r.nonzeros.is_some())) {
        names.extend(NONZERO_FILES);
    }
    if report.variants.iter().any(|v| v.summary.wan_bytes > 0) {
        names.extend(WAN_FILES);
    }
    names
}

/// Renders every output of `report` into memory, as (file name, bytes), in [`file_names`] order.
///
/// # Errors
/// If a plot fails to render.
pub fn render(report: &RunReport) -> Result<Vec<(&'static str, Vec<u8>)>> {
    file_names(report).into_iter().map(|name| Ok((name, render_file(report, name)?))).collect()
}

/// Renders the file called `name` (one of [`file_names`]).
fn render_file(report: &RunReport, name: &str) -> Result<Vec<u8>> {
    let png = |bytes: Result<Vec<u8>, reports::ReportError>| bytes.with_context(|| format!("rendering {name}"));
    let svg = |text: Result<String, reports::ReportError>| {
        text.map(String::into_bytes).with_context(|| format!("rendering {name}"))
    };
    Ok(match name {
        "summary.json" => reports::summary_json(report).into_bytes(),
        "metrics.csv" => reports::metrics_csv(report).into_bytes(),
        "convergence.csv" => reports::convergence_csv(report).into_bytes(),
        "convergence.png" => png(reports::convergence_png(report))?,
        "convergence.svg" => svg(reports::convergence_svg(report))?,
        "breakdown.png" => png(reports::breakdown_png(report))?,
        "breakdown.svg" => svg(reports::breakdown_svg(report))?,
        "staleness.csv" => reports::staleness_csv(report).into_bytes(),
        "staleness.png" => png(reports::staleness_png(report))?,
        "staleness.svg" => svg(reports::staleness_svg(report))?,
        "wan.png" => png(reports::wan_png(report))?,
        "wan.svg" => svg(reports::wan_svg(report))?,
        "strads.csv" => reports::strads_csv(report).into_bytes(),
        "parallelization.png" => png(reports::parallelization_png(report))?,
        "parallelization.svg" => svg(reports::parallelization_svg(report))?,
        "nonzeros.png" => png(reports::nonzeros_png(report))?,
        "nonzeros.svg" => svg(reports::nonzeros_svg(report))?,
        _ => unreachable!("{name} is not an output of a training run"),
    })
}

/// Renders a collective benchmark's outputs into memory, as (file name, bytes): its summary,
/// table, bus-bandwidth and time plots, and the link-load heatmap of the first variant small enough
/// to have one (at its largest size).
///
/// # Errors
/// If a plot fails to render.
pub fn render_collectives(report: &reports::CollectiveReport) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = vec![
        ("summary.json", reports::collective_summary_json(report).into_bytes()),
        ("collectives.csv", reports::collective_csv(report).into_bytes()),
        ("busbw.png", reports::busbw_png(report).context("rendering busbw.png")?),
        ("busbw.svg", reports::busbw_svg(report).context("rendering busbw.svg")?.into_bytes()),
        ("time.png", reports::time_png(report).context("rendering time.png")?),
        ("time.svg", reports::time_svg(report).context("rendering time.svg")?.into_bytes()),
    ];
    if let Some(v) = report.variants.iter().find(|v| v.link_load.is_some()) {
        let load = v.link_load.as_ref().expect("found");
        let title = format!("{}: link load, {} (largest size)", report.scenario, v.name);
        files.push(("link_load.png", reports::link_load_png(load, &title).context("rendering link_load.png")?));
        files.push((
            "link_load.svg",
            reports::link_load_svg(load, &title).context("rendering link_load.svg")?.into_bytes(),
        ));
    }
    Ok(files)
}

/// Files every DNN training run writes, in the order written; `trace.json` follows when some
/// variant collected a trace.
pub const DNN_FILES: [&str; 6] =
    ["summary.json", "dnn.csv", "throughput.png", "throughput.svg", "breakdown.png", "breakdown.svg"];

/// Renders a DNN training run's outputs into memory, as (file name, bytes): [`DNN_FILES`] (the
/// throughput plot from `scaling`), then `trace.json` (Perfetto trace-event JSON) if `trace` is
/// given.
///
/// # Errors
/// If a plot fails to render.
pub fn render_dnn(
    report: &reports::DnnReport,
    scaling: &reports::ThroughputPlot,
    trace: Option<&str>,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = vec![
        ("summary.json", reports::dnn_summary_json(report).into_bytes()),
        ("dnn.csv", reports::dnn_csv(report).into_bytes()),
        ("throughput.png", reports::throughput_png(scaling).context("rendering throughput.png")?),
        ("throughput.svg", reports::throughput_svg(scaling).context("rendering throughput.svg")?.into_bytes()),
        ("breakdown.png", reports::dnn_breakdown_png(report).context("rendering breakdown.png")?),
        ("breakdown.svg", reports::dnn_breakdown_svg(report).context("rendering breakdown.svg")?.into_bytes()),
    ];
    if let Some(t) = trace {
        files.push(("trace.json", t.as_bytes().to_vec()));
    }
    if report.variants.iter().any(|v| v.faults.is_some()) {
        files.push(("faults.csv", reports::faults_csv(report).into_bytes()));
        files.push(("recovery.png", reports::recovery_png(report).context("rendering recovery.png")?));
        files.push(("recovery.svg", reports::recovery_svg(report).context("rendering recovery.svg")?.into_bytes()));
    }
    Ok(files)
}

/// Replaces directory `dir` by one holding `files`; returns the paths written.
///
/// # Errors
/// If a directory cannot be created, a file written, or a rename fails; `dir` is then untouched.
pub fn replace_dir(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<Vec<PathBuf>> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let written = (|| -> Result<()> {
        fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        for (file, bytes) in files {
            let p = tmp.join(file);
            fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        fs::rename(dir, &old).with_context(|| format!("moving aside {}", dir.display()))?;
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        if had_old {
            let _ = fs::rename(&old, dir);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(e).with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()));
    }
    if had_old {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(files.iter().map(|(f, _)| dir.join(f)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report with one variant per (reads, WAN bytes) pair.
    fn report(variants: &[(u64, u64)]) -> RunReport {
        let variant = |i: usize, &(reads, wan_bytes): &(u64, u64)| reports::VariantReport {
            name: format!("v{i}"),
            summary: reports::VariantSummary {
                final_objective: 0.5,
                sim_time_s: 1.0,
                clocks: 1,
                workers: 1,
                bytes_sent: wan_bytes,
                wan_bytes,
                wan_cost_usd: wan_bytes as f64 * 2e-11,
                compute_s: 0.5,
                communication_s: 0.25,
                waiting_s: 0.25,
                reads,
                staleness_mean: 0.0,
                staleness_variance: 0.0,
                staleness_max: 0,
                staleness_histogram: if reads > 0 { vec![reads] } else { Vec::new() },
                staleness_violations: 0,
                rows_pushed: 0,
                time_to_target_s: None,
                events: 1,
                asp: None,
                strads: None,
            },
            convergence: Vec::new(),
            worker_clocks: Vec::new(),
            rounds: Vec::new(),
            faults: None,
        };
        RunReport {
            scenario: "t".into(),
            seed: 1,
            objective_name: "loss".into(),
            target_objective: None,
            variants: variants.iter().enumerate().map(|(i, v)| variant(i, v)).collect(),
        }
    }

    #[test]
    fn staleness_and_wan_files_are_written_only_when_they_apply() {
        let always = ALWAYS_FILES.to_vec();
        assert_eq!(file_names(&report(&[])), always);
        assert_eq!(file_names(&report(&[(0, 0), (0, 0)])), always);
        let with_staleness = [&ALWAYS_FILES[..], &STALENESS_FILES[..]].concat();
        assert_eq!(file_names(&report(&[(0, 0), (5, 0)])), with_staleness);
        let with_wan = [&ALWAYS_FILES[..], &WAN_FILES[..]].concat();
        assert_eq!(file_names(&report(&[(0, 1000)])), with_wan);
        let all = [&ALWAYS_FILES[..], &STALENESS_FILES[..], &WAN_FILES[..]].concat();
        assert_eq!(file_names(&report(&[(5, 0), (0, 1000)])), all);
    }

    #[test]
    fn render_writes_the_named_files_in_order_and_deterministically() {
        let r = report(&[(5, 0), (0, 1000)]);
        let files = render(&r).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, file_names(&r));
        for (name, bytes) in &files {
            assert!(!bytes.is_empty(), "{name}");
            if name.ends_with(".png") {
                assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
            }
        }
        assert!(files == render(&r).unwrap(), "rendering twice differs");
    }
}
