//! Parameter sweeps: a sweep file names a base scenario and axes, each a field path of the scenario
//! with a list of values; `clustersim sweep` runs every point of the grid the axes span (or a seeded
//! random sample of it) and tabulates one row per point and variant ([`reports::SweepReport`]), with
//! one figure per axis.
//!
//! A point is the base scenario, written canonically ([`scenario::to_ron`]), with each axis' field
//! replaced by the point's value as RON text ([`set_field`]); it then parses, plans and runs as
//! `clustersim run` would. Field paths are the ones error messages print
//! (`platform.topology.FatTree.host_link.bandwidth`, `variants[1].consistency`, `seed`).
//!
//! **Sharding.** The selected points are dealt round-robin to `n` shards; shard `i` runs its share and
//! writes a [`ShardFile`] (the sweep's [`SweepHeader`] and its rows). [`merge`] checks that a set of
//! shard files is one sweep, each shard exactly once, and rebuilds the report; it is the same report,
//! hence the same bytes, as the single-machine sweep, because both come from [`report`] over the same
//! header and rows, and JSON round-trips every `f64` exactly.
//!
//! **Determinism.** Points run in parallel with rayon; each point's variants are independent
//! single-threaded simulations, results are collected in point order, and the random sample is drawn
//! from one ChaCha stream of the sample seed ([`sim_core::rng::StreamKind::Sweep`]). The output does not
//! depend on the thread count or on how the points are sharded.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::run::{plan, Plan};
use crate::scenario::{self, DataDir, Ron, ScenarioError, ScenarioFile, WorkloadSpec};
use reports::{SweepAxis, SweepReport, SweepRow, SweepShape};

/// Most points a sweep may run [count]; beyond, sample the grid (`sample: Random(points: …)`).
pub const MAX_POINTS: u64 = 1_000_000;

/// Identifies a shard file (`format` field), so that `merge` rejects other JSON.
pub const SHARD_FORMAT: &str = "clustersim sweep shard 1";

/// A sweep file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// Name of the sweep; output goes to `out/<name>-sweep/`.
    pub name: String,
    /// The base scenario file, relative to the sweep file's directory.
    pub scenario: PathBuf,
    /// The swept fields, at least one.
    pub axes: Vec<AxisFile>,
    /// Which points of the grid to run (default: all of them).
    #[serde(default)]
    pub sample: SampleSpec,
    /// The metric the axis figures plot (default: `iteration_time_s` for DNN training (`job_time_s` with
    /// `faults`), `busbw_bytes_per_s`
    /// for collectives, `time_to_target_s` for a scenario with a target objective, else
    /// `final_objective`); every metric is in the table.
    #[serde(default)]
    pub metric: Option<String>,
}

/// One swept field.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisFile {
    /// Dotted field path in the scenario, as error messages print it; list elements as `variants[1]`.
    pub field: String,
    /// The values, as RON (`"25 Gbps"`, `16`, `Ssp(staleness: 3)`), at least one.
    pub values: Vec<Box<ron::value::RawValue>>,
}

/// Which points of the grid a sweep runs.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum SampleSpec {
    /// Every point of the grid.
    #[default]
    Grid,
    /// `points` distinct points of the grid drawn uniformly with the seed `seed` (all of them if the grid
    /// is smaller), run in grid order.
    Random {
        /// Points to draw [count], at least 1.
        points: u64,
        /// Seed of the draw (independent of the scenario's seed).
        seed: u64,
    },
}

/// What a sweep's points measure: decided by the base scenario's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Parameter-server or STRADS training: a `reports::RunReport`.
    Training,
    /// DNN training: a `reports::DnnReport`.
    Dnn,
    /// Collective benchmarks: a `reports::CollectiveReport`, a row per variant and message size.
    Collectives,
}

/// Metric columns of parameter-server and STRADS points (see `reports::VariantSummary`).
const TRAINING_METRICS: [&str; 12] = [
    "final_objective",
    "sim_time_s",
    "time_to_target_s",
    "clocks",
    "bytes_sent",
    "wan_bytes",
    "wan_cost_usd",
    "compute_s",
    "communication_s",
    "waiting_s",
    "staleness_mean",
    "staleness_max",
];
/// Metric columns of DNN training points (see `reports::DnnVariantReport`).
const DNN_METRICS: [&str; 14] = [
    "iteration_time_s",
    "tokens_per_s",
    "samples_per_s",
    "mfu",
    "compute_s",
    "exposed_communication_s",
    "bubble_s",
    "peak_memory_bytes",
    "energy_j",
    "bytes_sent",
    "job_time_s",
    "goodput",
    "lost_work_s",
    "failures",
];
/// Metric columns of collective-benchmark points (see `reports::CollectivePoint`).
const COLLECTIVE_METRICS: [&str; 4] = ["message_bytes", "time_s", "algbw_bytes_per_s", "busbw_bytes_per_s"];

impl Kind {
    fn of(file: &ScenarioFile) -> Kind {
        match (&file.workload, &file.runtime) {
            (WorkloadSpec::Collective { .. } | WorkloadSpec::CollectivePhases { .. }, _) => Kind::Collectives,
            (WorkloadSpec::Dnn { .. }, _) => Kind::Dnn,
            _ => Kind::Training,
        }
    }

    fn metrics(self) -> &'static [&'static str] {
        match self {
            Kind::Training => &TRAINING_METRICS,
            Kind::Dnn => &DNN_METRICS,
            Kind::Collectives => &COLLECTIVE_METRICS,
        }
    }

    fn default_metric(self, file: &ScenarioFile) -> &'static str {
        match self {
            Kind::Training if file.target_objective.is_some() => "time_to_target_s",
            Kind::Training => "final_objective",
            Kind::Dnn if file.faults.is_some() => "job_time_s",
            Kind::Dnn => "iteration_time_s",
            Kind::Collectives => "busbw_bytes_per_s",
        }
    }
}

/// What identifies a sweep and shapes its report; every shard file carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// The sweep's name, axes and metrics.
    #[serde(flatten)]
    pub shape: SweepShape,
    /// The grid indices of the points the sweep runs, ascending.
    pub points: Vec<u64>,
    /// FNV-1a 64 of the canonical base scenario, the field paths, the values' RON and the sample, in hex:
    /// shards of different sweeps (or of an edited sweep) never merge.
    pub fingerprint: String,
}

/// One point ready to run.
#[derive(Clone, Debug)]
pub struct Point {
    /// Index in the full grid.
    pub index: u64,
    /// Per axis, the index of the value.
    pub coords: Vec<u32>,
    /// The point's scenario (RON).
    pub text: String,
}

/// A loaded and checked sweep: every point's scenario parses.
#[derive(Debug)]
pub struct Sweep {
    /// The sweep file's path (for messages).
    pub file: String,
    /// Its text.
    pub text: String,
    /// Header of the report and of every shard file.
    pub header: SweepHeader,
    /// The points to run, in grid order.
    pub points: Vec<Point>,
    /// Display name of the base scenario file, for messages.
    base_file: String,
    kind: Kind,
}

/// A failed sweep: bad input (exit code 2) or a file that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file, the base scenario or a point is malformed or inconsistent.
    #[error(transparent)]
    Input(#[from] ScenarioError),
    /// Shard files that are not one complete sweep (missing, repeated or foreign shards).
    #[error("{0}")]
    Shards(String),
}

/// Loads sweep `text` read from `file`: parses it and the base scenario, checks the axes and builds every
/// selected point's scenario.
///
/// # Errors
/// [`SweepError::Input`] naming the sweep file, line, column and field (`axes[1].values[2]`) for a malformed
/// sweep, a base scenario that cannot be read or parsed, a field path that does not lead to a field of the
/// scenario, a value the field does not take, or more than [`MAX_POINTS`] points.
pub fn load(text: &str, file: &str) -> Result<Sweep, SweepError> {
    let spec: SweepFile = scenario::parse_as(text, file)?;
    let err = scenario::field_error(file, text);
    if spec.axes.is_empty() {
        return Err(err("axes", "a sweep needs at least one axis".into()).into());
    }
    for (i, a) in spec.axes.iter().enumerate() {
        let at = |field: &str| ScenarioError {
            file: file.into(),
            position: scenario::locate_in_list(text, "axes", i, field),
            path: format!("axes[{i}].{field}"),
            message: String::new(),
        };
        if a.values.is_empty() {
            return Err(ScenarioError { message: "an axis needs at least one value".into(), ..at("values") }.into());
        }
        if let Err(e) = steps(&a.field) {
            return Err(ScenarioError { message: e, ..at("field") }.into());
        }
        if spec.axes[..i].iter().any(|b| b.field == a.field) {
            return Err(
                ScenarioError { message: format!("{:?} is swept by an earlier axis", a.field), ..at("field") }.into()
            );
        }
    }
    let base_path = Path::new(file).parent().unwrap_or(Path::new("")).join(&spec.scenario);
    let base_file = base_path.display().to_string();
    let base_text = std::fs::read_to_string(&base_path)
        .map_err(|e| err("scenario", format!("cannot read the base scenario {base_file}: {e}")))?;
    let base = scenario::parse(&base_text, &base_file)?;
    let canonical = scenario::to_ron(&base);
    let kind = Kind::of(&base);
    let metrics = kind.metrics();
    let metric = spec.metric.clone().unwrap_or_else(|| kind.default_metric(&base).to_string());
    let Some(plotted) = metrics.iter().position(|m| *m == metric) else {
        return Err(err("metric", format!("no metric {metric:?} here (metrics: {})", metrics.join(", "))).into());
    };

    let lengths: Vec<u64> = spec.axes.iter().map(|a| a.values.len() as u64).collect();
    let grid = lengths.iter().try_fold(1u64, |g, &l| g.checked_mul(l)).filter(|&g| g <= 1 << 53);
    let Some(grid) = grid else {
        return Err(err("axes", "the grid has more than 2^53 points".into()).into());
    };
    let indices = match spec.sample {
        SampleSpec::Grid if grid > MAX_POINTS => {
            return Err(err(
                "axes",
                format!(
                "the grid has {grid} points, more than {MAX_POINTS}; sample it: `sample: Random(points: …, seed: …)`"
            ),
            )
            .into())
        }
        SampleSpec::Grid => (0..grid).collect(),
        SampleSpec::Random { points, .. } if points == 0 || points > MAX_POINTS => {
            return Err(err("sample.Random.points", format!("must be from 1 to {MAX_POINTS}")).into())
        }
        SampleSpec::Random { points, seed } => sample(grid, points, seed),
    };

    let value_text = |i: usize, j: usize| spec.axes[i].values[j].get_ron().trim();
    let value_error = |i: usize, j: usize, coords: &[u32], message: String| -> SweepError {
        let position = value_offset(text, i, j).map(|o| scenario::line_col(text, o));
        let point: Vec<String> = spec
            .axes
            .iter()
            .zip(coords)
            .map(|(a, &c)| format!("{} = {}", a.field, a.values[c as usize].get_ron().trim()))
            .collect();
        ScenarioError {
            file: file.into(),
            position,
            path: format!("axes[{i}].values[{j}]"),
            message: format!("the point {} {message}", point.join(", ")),
        }
        .into()
    };
    let mut points = Vec::with_capacity(indices.len());
    for &index in &indices {
        let coords = coords_of(index, &lengths);
        let mut point = canonical.clone();
        for (i, a) in spec.axes.iter().enumerate() {
            let j = coords[i] as usize;
            point = set_field(&point, &a.field, value_text(i, j))
                .map_err(|m| value_error(i, j, &coords, format!("cannot be set: {m}")))?;
        }
        let parsed = scenario::parse(&point, "the point").map_err(|e| {
            // Blame the axis whose field the error is under (else the last axis).
            let i = spec.axes.iter().rposition(|a| e.path.starts_with(a.field.as_str())).unwrap_or(spec.axes.len() - 1);
            let field = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
            value_error(i, coords[i] as usize, &coords, format!("is not a valid scenario: {field}{}", e.message))
        })?;
        if Kind::of(&parsed) != kind {
            let last = spec.axes.len() - 1;
            return Err(value_error(last, coords[last] as usize, &coords, "changes the kind of scenario".into()));
        }
        points.push(Point { index, coords, text: point });
    }

    let axes = spec
        .axes
        .iter()
        .map(|a| SweepAxis { field: a.field.clone(), values: a.values.iter().map(|v| display(v.get_ron())).collect() })
        .collect();
    let mut hash = Fnv::default();
    hash.write(canonical.as_bytes());
    for a in &spec.axes {
        hash.write(a.field.as_bytes());
        for v in &a.values {
            hash.write(v.get_ron().trim().as_bytes());
        }
    }
    hash.write(format!("{:?}", spec.sample).as_bytes());
    let header = SweepHeader {
        shape: SweepShape {
            sweep: spec.name.clone(),
            scenario: base.name.clone(),
            grid_points: grid,
            axes,
            metrics: metrics.iter().map(|m| m.to_string()).collect(),
            plotted,
        },
        points: indices,
        fingerprint: format!("{:016x}", hash.0),
    };
    Ok(Sweep { file: file.into(), text: text.into(), header, points, base_file, kind })
}

/// `points` distinct grid indices of `0..grid` drawn uniformly from the sweep stream of `seed`, ascending.
fn sample(grid: u64, points: u64, seed: u64) -> Vec<u64> {
    if points >= grid {
        return (0..grid).collect();
    }
    let mut rng = sim_core::rng::stream(seed, sim_core::rng::StreamKind::Sweep, 0);
    let mut chosen: Vec<u64> =
        rand::seq::index::sample(&mut rng, grid as usize, points as usize).into_iter().map(|i| i as u64).collect();
    chosen.sort_unstable();
    chosen
}

/// The per-axis value indices of grid point `index` (row-major: the last axis varies fastest).
fn coords_of(mut index: u64, lengths: &[u64]) -> Vec<u32> {
    let mut coords = vec![0u32; lengths.len()];
    for (c, &l) in coords.iter_mut().zip(lengths).rev() {
        *c = (index % l) as u32;
        index /= l;
    }
    coords
}

/// A value as shown in tables and figures: strings without their quotes, anything else as written.
fn display(ron: &str) -> String {
    let v = ron.trim();
    match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.to_string(),
        _ => v.to_string(),
    }
}

/// FNV-1a, 64 bits: a stable fingerprint (std's hashers may change between releases).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain(&[0xff]) {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Byte offset of the `j`-th value of axis `i` in the sweep text.
fn value_offset(text: &str, i: usize, j: usize) -> Option<usize> {
    let values = scenario::locate_in_list_offset(text, "axes", i, "values")?;
    let r = Ron(text.as_bytes());
    let open = values + text[values..].find('[')?;
    r.items(open).get(j).map(|&(start, _)| start)
}

/// The points of `shard` (`(i, n)`: every `n`-th point from the `i`-th, counting from 1; `None`: all).
pub fn shard_points(sweep: &Sweep, shard: Option<(u32, u32)>) -> Vec<&Point> {
    sweep
        .points
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|(i, n)| *k as u64 % u64::from(n) == u64::from(i - 1)))
        .map(|(_, p)| p)
        .collect()
}

/// Runs the points of `shard` (`(i, n)`: the `i`-th of `n`, from 1; `None`: all), in parallel; calls
/// `on_point` as each finishes. A point whose simulation fails gets one row holding the error; the others
/// still run.
///
/// # Errors
/// [`SweepError::Input`] if a point's scenario is inconsistent (found when planning it: a split that does not
/// fit in memory, a deployment on missing hosts …), naming the sweep file and the point's axis values; the
/// first such point in grid order.
pub fn run(
    sweep: &Sweep,
    shard: Option<(u32, u32)>,
    data_dir: &DataDir,
    on_point: &(dyn Fn() + Sync),
) -> Result<Vec<SweepRow>, SweepError> {
    let mine = shard_points(sweep, shard);
    let results: Vec<Result<Vec<SweepRow>, SweepError>> = mine
        .par_iter()
        .map(|p| {
            let rows = run_point(sweep, p, data_dir);
            on_point();
            rows
        })
        .collect();
    let mut rows = Vec::new();
    for r in results {
        rows.extend(r?);
    }
    Ok(rows)
}

/// Plans and runs one point; a failed simulation becomes a row with its error.
fn run_point(sweep: &Sweep, p: &Point, data_dir: &DataDir) -> Result<Vec<SweepRow>, SweepError> {
    let name = format!("{} (point {})", sweep.base_file, p.index);
    let parsed = scenario::parse(&p.text, &name)?;
    let planned = plan(parsed, &p.text, &name, data_dir, None).map_err(|e| {
        let axes: Vec<String> = sweep
            .header
            .shape
            .axes
            .iter()
            .zip(&p.coords)
            .map(|(a, &c)| format!("{} = {}", a.field, a.values[c as usize]))
            .collect();
        let field = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
        ScenarioError {
            file: sweep.file.clone(),
            position: scenario::locate(&sweep.text, "axes"),
            path: "axes".into(),
            message: format!("the point {} is inconsistent: {field}{}", axes.join(", "), e.message),
        }
    })?;
    let row = |variant: String, values: Vec<Option<f64>>| SweepRow {
        point: p.index,
        coords: p.coords.clone(),
        variant,
        values,
        error: None,
    };
    let finite = |v: f64| v.is_finite().then_some(v);
    let measured: Result<Vec<SweepRow>, String> = match planned {
        Plan::ParameterServer(prepared) => crate::run::execute(&prepared, &|_| {})
            .map(|outcomes| training_rows(&crate::run::report(&prepared, &outcomes), &row))
            .map_err(|e| e.to_string()),
        Plan::Strads(prepared) => crate::strads::execute(&prepared)
            .map(|runs| training_rows(&crate::strads::report(&prepared, &runs), &row))
            .map_err(|e| e.to_string()),
        Plan::Dnn(mut prepared) => {
            for v in &mut prepared.variants {
                v.config.trace = false;
            }
            crate::dnn::execute(&prepared)
                .map(|runs| {
                    let report = crate::dnn::report(&prepared, &runs);
                    report
                        .variants
                        .iter()
                        .map(|v| {
                            let values = [
                                v.iteration_time_s,
                                v.tokens_per_s,
                                v.samples_per_s,
                                v.mfu,
                                v.compute_s,
                                v.exposed_communication_s,
                                v.bubble_s,
                                v.peak_memory_bytes as f64,
                                v.energy_j,
                                v.bytes_sent as f64,
                            ];
                            // The whole job through failures, for a scenario with `faults`.
                            let f = v.faults.as_ref();
                            let job = [
                                f.and_then(|f| f.job_time_s),
                                f.map(|f| f.goodput),
                                f.map(|f| f.lost_work_s),
                                f.map(|f| f.failures.len() as f64),
                            ];
                            let values = values.into_iter().map(finite).chain(job.map(|j| j.and_then(finite)));
                            row(v.name.clone(), values.collect())
                        })
                        .collect()
                })
                .map_err(|(variant, e)| format!("variant {variant:?}: {e}"))
        }
        Plan::Collectives(prepared) => crate::collectives::execute(&prepared, &|| {})
            .map(|report| {
                report
                    .variants
                    .iter()
                    .flat_map(|v| {
                        v.points.iter().map(|q| {
                            let values = [q.bytes as f64, q.time_s, q.algbw_bytes_per_s, q.busbw_bytes_per_s];
                            row(format!("{} {} B", v.name, q.bytes), values.into_iter().map(finite).collect())
                        })
                    })
                    .collect()
            })
            .map_err(|e| e.to_string()),
    };
    debug_assert!(measured
        .as_ref()
        .map_or(true, |rows| rows.iter().all(|r| r.values.len() == sweep.kind.metrics().len())));
    Ok(measured.unwrap_or_else(|e| {
        vec![SweepRow {
            point: p.index,
            coords: p.coords.clone(),
            variant: String::new(),
            values: vec![None; sweep.header.shape.metrics.len()],
            error: Some(e),
        }]
    }))
}

/// Rows of a parameter-server or STRADS report, in [`TRAINING_METRICS`] order.
fn training_rows(report: &reports::RunReport, row: &dyn Fn(String, Vec<Option<f64>>) -> SweepRow) -> Vec<SweepRow> {
    report
        .variants
        .iter()
        .map(|v| {
            let s = &v.summary;
            let values = [
                Some(s.final_objective),
                Some(s.sim_time_s),
                s.time_to_target_s,
                Some(s.clocks as f64),
                Some(s.bytes_sent as f64),
                Some(s.wan_bytes as f64),
                Some(s.wan_cost_usd),
                Some(s.compute_s),
                Some(s.communication_s),
                Some(s.waiting_s),
                Some(s.staleness_mean),
                Some(s.staleness_max as f64),
            ];
            row(v.name.clone(), values.into_iter().map(|v| v.filter(|x| x.is_finite())).collect())
        })
        .collect()
}

/// The sweep's report from its header and the rows of all its points (in any order of points).
pub fn report(header: &SweepHeader, mut rows: Vec<SweepRow>) -> SweepReport {
    // Stable: a point's rows keep their variant order.
    rows.sort_by_key(|r| r.point);
    SweepReport { shape: header.shape.clone(), rows }
}

/// The files of a sweep's report: `sweep.csv`, `sweep.json`, and per axis `k` (from 1) `axis<k>_<field>.png`
/// and `.svg`.
///
/// # Errors
/// If a figure fails to render.
pub fn render(report: &SweepReport) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![
        ("sweep.csv".to_string(), reports::sweep_csv(report).into_bytes()),
        ("sweep.json".into(), reports::sweep_json(report).into_bytes()),
    ];
    for (k, axis) in report.shape.axes.iter().enumerate() {
        let stem = format!("axis{}_{}", k + 1, slug(&axis.field));
        files.push((format!("{stem}.png"), reports::sweep_axis_png(report, k)?));
        files.push((format!("{stem}.svg"), reports::sweep_axis_svg(report, k)?.into_bytes()));
    }
    Ok(files)
}

/// The last segment of a field path as a file-name part: `platform.topology.FatTree.host_link.bandwidth` →
/// `bandwidth`, `variants[1].consistency` → `consistency`, `variants[2]` → `variants_2`.
fn slug(field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field);
    let s: String =
        last.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    s.trim_matches('_').to_string()
}

/// What one shard writes: the sweep's header, which shard it is, and the rows of its points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// The sweep.
    pub header: SweepHeader,
    /// Which shard, from 1.
    pub shard: u32,
    /// Of how many.
    pub shards: u32,
    /// The rows of the shard's points, in point order.
    pub rows: Vec<SweepRow>,
}

/// File name of a shard's output in its directory.
pub const SHARD_FILE: &str = "shard.json";

/// Renders shard `i` of `n` of `sweep` with `rows` as pretty JSON.
pub fn shard_json(sweep: &Sweep, (shard, shards): (u32, u32), rows: Vec<SweepRow>) -> String {
    let file = ShardFile { format: SHARD_FORMAT.into(), header: sweep.header.clone(), shard, shards, rows };
    serde_json::to_string_pretty(&file).expect("plain structs with string keys always serialize") + "\n"
}

/// Merges shard files (their names and texts): checks that they are the shards `1..=n` of one sweep, each
/// once, and that together they hold every point; returns the sweep's report.
///
/// # Errors
/// [`SweepError::Shards`] naming the file at fault: not a shard file, of another sweep, a shard given twice,
/// a shard missing, or points missing.
pub fn merge(shards: &[(String, String)]) -> Result<SweepReport, SweepError> {
    let mut parsed: Vec<(&str, ShardFile)> = Vec::new();
    for (name, text) in shards {
        let s: ShardFile = serde_json::from_str(text)
            .map_err(|e| SweepError::Shards(format!("{name}: not a sweep shard file: {e}")))?;
        if s.format != SHARD_FORMAT {
            return Err(SweepError::Shards(format!("{name}: format {:?}, expected {SHARD_FORMAT:?}", s.format)));
        }
        parsed.push((name, s));
    }
    let Some((first_name, first)) = parsed.first() else {
        return Err(SweepError::Shards("no shard files given".into()));
    };
    let n = first.shards;
    let mut seen: Vec<Option<&str>> = vec![None; n as usize];
    for (name, s) in &parsed {
        if s.header != first.header || s.shards != n {
            return Err(SweepError::Shards(format!(
                "{name}: shard of another sweep than {first_name} ({} {}/{}, fingerprint {}; vs {} {}/{}, {})",
                s.header.shape.sweep,
                s.shard,
                s.shards,
                s.header.fingerprint,
                first.header.shape.sweep,
                first.shard,
                n,
                first.header.fingerprint
            )));
        }
        match seen.get_mut(s.shard.wrapping_sub(1) as usize) {
            Some(Some(other)) => {
                return Err(SweepError::Shards(format!("{name}: shard {}/{n} is also in {other}", s.shard)))
            }
            Some(slot) => *slot = Some(name),
            None => return Err(SweepError::Shards(format!("{name}: shard {}/{n} is out of range", s.shard))),
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| format!("{}/{n}", i + 1)).collect();
    if !missing.is_empty() {
        return Err(SweepError::Shards(format!("shards missing: {}", missing.join(", "))));
    }
    let header = first.header.clone();
    let rows: Vec<SweepRow> = parsed.into_iter().flat_map(|(_, s)| s.rows).collect();
    let mut covered: Vec<u64> = rows.iter().map(|r| r.point).collect();
    covered.sort_unstable();
    covered.dedup();
    if covered != header.points {
        return Err(SweepError::Shards(format!(
            "the shards hold {} of the sweep's {} points",
            covered.len(),
            header.points.len()
        )));
    }
    Ok(report(&header, rows))
}

/// Parses `--shard i/n` (1 ≤ i ≤ n).
///
/// # Errors
/// A message for anything else.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("--shard {s:?}: expected i/n with 1 ≤ i ≤ n, e.g. 3/8");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

// ---------------------------------------------------------------------------------------------------------
// Field paths over RON text.

/// A step of a field path: `a.b[2].C` is `Field(a)`, `Field(b)`, `Index(2)`, `Variant(C)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step<'a> {
    /// A struct field (lower-case first letter).
    Field(&'a str),
    /// An enum variant (upper-case first letter): the value must be this variant.
    Variant(&'a str),
    /// A list element, from 0.
    Index(usize),
}

/// The steps of `path`.
fn steps(path: &str) -> Result<Vec<Step<'_>>, String> {
    let bad =
        |why: &str| format!("field path {path:?}: {why} (write it as errors print it, e.g. variants[1].consistency)");
    if path.is_empty() {
        return Err(bad("empty"));
    }
    let mut out = Vec::new();
    for piece in path.split('.') {
        let (name, mut rest) = piece.split_at(piece.find('[').unwrap_or(piece.len()));
        if name.is_empty() && (rest.is_empty() || out.is_empty()) {
            return Err(bad("an empty segment"));
        }
        if !name.is_empty() {
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || name.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(bad(&format!("{name:?} is not a field or variant name")));
            }
            out.push(if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                Step::Variant(name)
            } else {
                Step::Field(name)
            });
        }
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(|| bad("an unclosed ["))?;
            let index =
                rest[1..close].parse().map_err(|_| bad(&format!("{:?} is not a list index", &rest[1..close])))?;
            out.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad("text after ]"));
            }
        }
    }
    Ok(out)
}

/// Sets field `path` of the RON document `text` to `value` (RON text): the written value is replaced; a field
/// the document leaves out (it has its default) is added to its struct. Enum variants in the path must be the
/// ones written (`platform.topology.FatTree.…` on a fat-tree); a struct variant's fields may also be reached
/// without naming it.
///
/// # Errors
/// A message saying where the path leaves the document: a field that is neither written nor last, another
/// variant than the path names, an index past the end of a list, a step into something that is not a struct
/// or list.
pub fn set_field(text: &str, path: &str, value: &str) -> Result<String, String> {
    let steps = steps(path)?;
    let r = Ron(text.as_bytes());
    let mut pos = r.document_start();
    let mut done = String::new();
    for (k, step) in steps.iter().enumerate() {
        let last = k + 1 == steps.len();
        let here = if done.is_empty() { "the scenario".to_string() } else { format!("`{done}`") };
        match *step {
            Step::Field(name) => {
                let open = r.struct_open(pos).ok_or_else(|| format!("{here} is not a structure with fields"))?;
                match r.field(open, name) {
                    Some(at) => pos = at,
                    None if last => {
                        let mut out = text.to_string();
                        out.insert_str(open + 1, &format!("{name}: {value}, "));
                        return Ok(out);
                    }
                    None => {
                        return Err(format!(
                            "{here} has no field `{name}` written (it has its default); sweep `{}{name}` whole",
                            if done.is_empty() { String::new() } else { format!("{done}.") }
                        ))
                    }
                }
                done = if done.is_empty() { name.to_string() } else { format!("{done}.{name}") };
            }
            Step::Variant(name) => {
                let end = r.ident_end(pos);
                let written = &text[pos..end];
                if written != name {
                    let what =
                        if written.is_empty() { "not an enum variant".to_string() } else { format!("`{written}`") };
                    return Err(format!("{here} is {what}, not `{name}`"));
                }
                done = format!("{done}.{name}");
            }
            Step::Index(i) => {
                let open = r.skip_ws(pos);
                if r.0.get(open) != Some(&b'[') {
                    return Err(format!("{here} is not a list"));
                }
                let items = r.items(open);
                let Some(&(start, _)) = items.get(i) else {
                    return Err(format!("{here} has {} elements, no [{i}]", items.len()));
                };
                pos = start;
                done = format!("{done}[{i}]");
            }
        }
    }
    let start = r.skip_ws(pos);
    let end = r.value_end(start);
    Ok(format!("{}{value}{}", &text[..start], &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "#![enable(implicit_some)]\n(\n    name: \"x\", // a comment, (\n    seed: 7,\n    \
                       platform: (topology: FatTree(hosts: 4, host_link: (bandwidth: \"10 Gbps\"))),\n    \
                       variants: [(name: \"a\", consistency: Bsp), (name: \"b\", consistency: Ssp(staleness: 2))],\n)\n";

    #[test]
    fn set_field_replaces_written_values_along_the_path() {
        let t = set_field(DOC, "seed", "9").unwrap();
        assert!(t.contains("seed: 9,"), "{t}");
        let t = set_field(DOC, "platform.topology.FatTree.host_link.bandwidth", "\"25 Gbps\"").unwrap();
        assert!(t.contains("(bandwidth: \"25 Gbps\")"), "{t}");
        // The variant may be left out of the path.
        assert_eq!(t, set_field(DOC, "platform.topology.host_link.bandwidth", "\"25 Gbps\"").unwrap());
        let t = set_field(DOC, "variants[1].consistency", "Essp(staleness: 3)").unwrap();
        assert!(t.contains("(name: \"b\", consistency: Essp(staleness: 3))"), "{t}");
        let t = set_field(DOC, "variants[0].consistency", "Async").unwrap();
        assert!(t.contains("(name: \"a\", consistency: Async)"), "{t}");
        let t = set_field(DOC, "platform.topology", "Star(hosts: 8)").unwrap();
        assert!(t.contains("platform: (topology: Star(hosts: 8)),"), "{t}");
        let t = set_field(DOC, "variants[1].consistency.Ssp.staleness", "5").unwrap();
        assert!(t.contains("Ssp(staleness: 5)"), "{t}");
    }

    #[test]
    fn set_field_adds_an_unwritten_last_field() {
        let t = set_field(DOC, "platform.topology.FatTree.oversubscription", "2.0").unwrap();
        assert!(t.contains("FatTree(oversubscription: 2.0, hosts: 4"), "{t}");
        let t = set_field(DOC, "target_objective", "0.3").unwrap();
        assert!(t.contains("(target_objective: 0.3, \n    name"), "{t}");
    }

    #[test]
    fn set_field_says_where_the_path_leaves_the_document() {
        let e = set_field(DOC, "platform.topology.Star.hosts", "8").unwrap_err();
        assert_eq!(e, "`platform.topology` is `FatTree`, not `Star`");
        let e = set_field(DOC, "variants[2].consistency", "Bsp").unwrap_err();
        assert_eq!(e, "`variants` has 2 elements, no [2]");
        let e = set_field(DOC, "runtime.consistency", "Bsp").unwrap_err();
        assert!(e.contains("the scenario has no field `runtime` written"), "{e}");
        let e = set_field(DOC, "seed.x", "1").unwrap_err();
        assert_eq!(e, "`seed` is not a structure with fields");
        let e = set_field(DOC, "name[0]", "1").unwrap_err();
        assert_eq!(e, "`name` is not a list");
        assert!(steps("a..b").is_err() && steps("a[x]").is_err() && steps("").is_err() && steps("a[1]b").is_err());
        assert_eq!(
            steps("variants[1].Ssp").unwrap(),
            vec![Step::Field("variants"), Step::Index(1), Step::Variant("Ssp")]
        );
    }

    #[test]
    fn coordinates_are_row_major() {
        assert_eq!(coords_of(0, &[2, 3]), vec![0, 0]);
        assert_eq!(coords_of(1, &[2, 3]), vec![0, 1]);
        assert_eq!(coords_of(5, &[2, 3]), vec![1, 2]);
    }

    #[test]
    fn random_samples_are_distinct_sorted_and_seeded() {
        let a = sample(1000, 20, 3);
        assert_eq!(a.len(), 20);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.iter().all(|&i| i < 1000));
        assert_eq!(a, sample(1000, 20, 3));
        assert_ne!(a, sample(1000, 20, 4));
        assert_eq!(sample(5, 20, 3), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn shards_parse_from_one() {
        assert_eq!(parse_shard("3/8"), Ok((3, 8)));
        assert!(parse_shard("0/8").is_err() && parse_shard("9/8").is_err() && parse_shard("3").is_err());
        assert_eq!(slug("platform.topology.FatTree.host_link.bandwidth"), "bandwidth");
        assert_eq!(slug("variants[2]"), "variants_2");
        assert_eq!(display("\"10 Gbps\""), "10 Gbps");
        assert_eq!(display(" Ssp(staleness: 3) "), "Ssp(staleness: 3)");
    }
}
