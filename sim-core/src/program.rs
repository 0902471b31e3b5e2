//! The data-parallel programming interface (Petuum's Alg/Sys split, Xing et al., KDD 2015 §3):
//! the programmer declares parameter tables, writes the update of one clock on one worker's data
//! partition, and gives an exact objective; the runtime does communication, consistency and
//! scheduling.

use std::any::Any;

use crate::compute::Work;

/// A parameter table: `rows × width` values of type `f64`, sharded over servers by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// Name used in reports (`"weights"`, `"item_factors"`).
    pub name: String,
    /// Number of rows; the unit of sharding, caching and staleness.
    pub rows: u32,
    /// Values per row.
    pub width: u32,
}

/// One row of one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowRef {
    /// Index into [`DataParallelProgram::tables`].
    pub table: u32,
    /// Row index within the table.
    pub row: u32,
}

/// Dense values of every table: table `t` is a row-major `[rows × width]` vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    tables: Vec<Vec<f64>>,
    widths: Vec<usize>,
}

impl Params {
    /// All-zero tables of the given shapes.
    pub fn zeros(specs: &[TableSpec]) -> Self {
        Params {
            tables: specs.iter().map(|s| vec![0.0; s.rows as usize * s.width as usize]).collect(),
            widths: specs.iter().map(|s| s.width as usize).collect(),
        }
    }

    /// Values of `row` (`width` of them).
    pub fn row(&self, row: RowRef) -> &[f64] {
        let w = self.widths[row.table as usize];
        let start = row.row as usize * w;
        &self.tables[row.table as usize][start..start + w]
    }

    /// Mutable values of `row`.
    pub fn row_mut(&mut self, row: RowRef) -> &mut [f64] {
        let w = self.widths[row.table as usize];
        let start = row.row as usize * w;
        &mut self.tables[row.table as usize][start..start + w]
    }

    /// The whole of table `t`, row-major `[rows × width]`.
    pub fn table(&self, t: usize) -> &[f64] {
        &self.tables[t]
    }

    /// The whole of table `t`, mutable.
    pub fn table_mut(&mut self, t: usize) -> &mut [f64] {
        &mut self.tables[t]
    }

    /// Number of tables.
    pub fn num_tables(&self) -> usize {
        self.tables.len()
    }

    /// Adds each delta to its row (commutative increments, applied in the order given).
    pub fn apply(&mut self, updates: &[RowDelta]) {
        for u in updates {
            for (v, d) in self.row_mut(u.row).iter_mut().zip(&u.delta) {
                *v += d;
            }
        }
    }
}

/// An increment to one row: `values[row] += delta` (`delta.len()` = the table's width).
#[derive(Clone, Debug, PartialEq)]
pub struct RowDelta {
    /// The row updated.
    pub row: RowRef,
    /// The increment, one value per column.
    pub delta: Vec<f64>,
}

/// The result of one clock of work on one worker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// Row increments, sorted by row, at most one per row.
    pub updates: Vec<RowDelta>,
    /// The arithmetic and memory traffic the step actually performed; its compute time is charged
    /// from this by the worker's device.
    pub work: Work,
}

/// A data-parallel ML program: parameters in tables, data partitioned over workers, commutative
/// additive updates. Implementations must be pure functions of their inputs (any sampling is
/// derived from seeded streams keyed by worker and clock; state that evolves across clocks lives in
/// the worker's own state, created per run), so one program can serve several runs in parallel and
/// a run is reproducible.
pub trait DataParallelProgram: Sync {
    /// Short name for reports (`"logistic regression (adult)"`).
    fn name(&self) -> String;
    /// The parameter tables.
    fn tables(&self) -> Vec<TableSpec>;
    /// Initial parameter values.
    fn initial_params(&self) -> Params;
    /// Number of data partitions, one per worker.
    fn workers(&self) -> usize;
    /// Rows worker `worker` reads at clock `clock`, sorted and unique. [`Self::compute`] must read
    /// no other row.
    fn rows_needed(&self, worker: usize, clock: u64) -> Vec<RowRef>;
    /// The state `worker` keeps between its clocks and never shares (LDA's topic assignments of its
    /// documents); stateless programs keep `()`, the default. The runtime creates it once per run
    /// and hands it to every [`Self::compute`] of that worker, in clock order.
    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send> {
        let _ = worker;
        Box::new(())
    }
    /// One clock of work (e.g. one mini-batch) of `worker` at `clock` against its view `params`,
    /// updating the worker's own `state` (made by [`Self::initial_worker_state`]; stateless
    /// programs ignore it, and callers of those may pass `&mut ()`).
    fn compute(&self, worker: usize, clock: u64, params: &Params, state: &mut dyn Any) -> Step;
    /// The factor by which the step size of clock `clock` has decayed from the initial one (1 for a
    /// constant step). Gaia's significance threshold decays by the same factor (Hsieh et al., NSDI
    /// 2017, §3.2; the authors' code multiplies the threshold by the learning-rate decay).
    fn learning_rate_factor(&self, clock: u64) -> f64 {
        let _ = clock;
        1.0
    }
    /// Objective of `params` over the whole training set, computed exactly (lower is better).
    fn objective(&self, params: &Params) -> f64;
    /// What [`Self::objective`] measures, for plot axes (`"training log-loss"`).
    fn objective_name(&self) -> String;
}
