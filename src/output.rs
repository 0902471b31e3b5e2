//! Writing a report to disk. Files are written into a fresh temporary directory beside the
//! target, which then replaces the target by rename, so a failure at any point leaves an existing
//! output directory exactly as it was.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use reports::RunReport;

/// Names of the files a run writes, in the order written.
pub const FILES: [&str; 7] = [
    "summary.json",
    "metrics.csv",
    "convergence.csv",
    "convergence.png",
    "convergence.svg",
    "breakdown.png",
    "breakdown.svg",
];

/// Renders every output of `report` into memory, as (file name, bytes), in [`FILES`] order.
///
/// # Errors
/// If a plot fails to render.
pub fn render(report: &RunReport) -> Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        (FILES[0], reports::summary_json(report).into_bytes()),
        (FILES[1], reports::metrics_csv(report).into_bytes()),
        (FILES[2], reports::convergence_csv(report).into_bytes()),
        (FILES[3], reports::convergence_png(report).context("rendering convergence.png")?),
        (FILES[4], reports::convergence_svg(report).context("rendering convergence.svg")?.into_bytes()),
        (FILES[5], reports::breakdown_png(report).context("rendering breakdown.png")?),
        (FILES[6], reports::breakdown_svg(report).context("rendering breakdown.svg")?.into_bytes()),
    ])
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
