//! The programming interfaces (Petuum's Alg/Sys split, Xing et al., KDD 2015 §3).
//!
//! - **Data parallelism** ([`DataParallelProgram`]): the programmer declares parameter tables, writes
//!   the update of one clock on one worker's data partition, and gives an exact objective; the
//!   parameter-server runtime does communication and consistency.
//! - **Model parallelism** ([`ModelParallelProgram`], STRADS): the programmer writes `schedule`,
//!   `push` and `pull`; the STRADS runtime moves tasks, partial results and commits and runs the
//!   rounds, optionally pipelined.

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
    /// Bytes a checkpoint must save of this worker's local state (see [`Self::initial_worker_state`])
    /// [bytes]: what restoring it needs, not its in-memory size (state derivable from the rest, like
    /// LDA's document–topic counts, is left out). Stateless programs save nothing: 0, the default.
    fn worker_state_bytes(&self, worker: usize) -> u64 {
        let _ = worker;
        0
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

// ----- model parallelism -----

/// What one worker is asked to do in one round of a model-parallel program: compute partial results
/// for `vars` on its data shard, reading the model values `values` sent with the task.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Task {
    /// The program's variable indices (coordinates, factor entries, word blocks …) this worker works
    /// on, in the order the program chooses; empty means the worker sits the round out (it gets no task
    /// and sends no partial result).
    pub vars: Vec<u32>,
    /// Model values the worker reads, sent with the task (e.g. `β_j` of each scheduled coordinate, or
    /// the word–topic counts of a word block); their meaning is the program's.
    pub values: Vec<f64>,
}

/// One round's schedule: a task per worker, and what it cost the scheduler to choose it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    /// `tasks[w]` is worker `w`'s task (one per worker, [`ModelParallelProgram::workers`] of them).
    pub tasks: Vec<Task>,
    /// The arithmetic and memory traffic the scheduler performed (sampling, dependency checks); its
    /// time is charged on the scheduler's device.
    pub work: Work,
}

/// A worker's partial result for its task of one round (e.g. per scheduled coordinate, the partial sums
/// over the worker's rows).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partial {
    /// The partial results; their meaning is the program's.
    pub values: Vec<f64>,
    /// The work the worker performed, charged on its device.
    pub work: Work,
}

/// The result of aggregating one round's partial results: the committed change, sent to every worker
/// that had a task in the round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Commit {
    /// The committed change as the workers need it (e.g. `Δβ_j` per scheduled coordinate); its meaning
    /// is the program's.
    pub values: Vec<f64>,
    /// The aggregator's work, charged on the scheduler's device.
    pub work: Work,
    /// The objective increase caused by committing the round's variables together rather than one at a
    /// time, measured exactly where the program can (Lasso: `Σ_{j<k} Δβ_j Δβ_k x_jᵀx_k`, the interference
    /// term that the dependency filter of Lee et al., NIPS 2014, §3, bounds); 0 where it is not defined.
    pub parallelization_error: f64,
}

/// A model-parallel ML program in the STRADS style (Lee et al., "On Model Parallelization and
/// Scheduling Strategies for Distributed Machine Learning", NIPS 2014, §2; Kim et al., "STRADS",
/// EuroSys 2016, §3): the **model** lives with the scheduler, each worker holds a shard of the data and
/// whatever per-shard state the updates need (Lasso's residual slice). Each round the program
///
/// 1. [`schedule`](Self::schedule)s a set of variables (one [`Task`] per worker),
/// 2. each worker [`push`](Self::push)es a [`Partial`] computed on its shard,
/// 3. the scheduler [`pull`](Self::pull)s the partials into a [`Commit`] that updates the model (and the
///    scheduler's own state, e.g. priorities), and
/// 4. each worker that had a task [`apply`](Self::apply)s the commit to its state.
///
/// The runtime (`sim_core::runtime::strads`) moves every task, partial and commit as a network flow
/// and charges each step's [`Work`] on the device that runs it. Implementations must be pure
/// functions of their inputs (randomness from seeded streams keyed by round), so a run is
/// reproducible and one program can serve several runs in parallel.
pub trait ModelParallelProgram: Sync {
    /// Short name for reports (`"lasso (riboflavin), STRADS scheduler"`).
    fn name(&self) -> String;
    /// What [`Self::objective`] measures, for plot axes.
    fn objective_name(&self) -> String;
    /// Number of data shards, one per worker.
    fn workers(&self) -> usize;
    /// The committed model at the start (held by the scheduler).
    fn initial_model(&self) -> Box<dyn Any + Send>;
    /// The scheduler's own state at the start (priorities, random stream position).
    fn initial_scheduler_state(&self) -> Box<dyn Any + Send>;
    /// Worker `worker`'s per-shard state at the start (e.g. its slice of the residual `y − Xβ`).
    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send>;
    /// The schedule of round `round` (rounds count from 0), chosen from the scheduler's `state` and the
    /// committed `model`. Under pipelining the model may lack the commits of the last few rounds.
    fn schedule(&self, round: u64, state: &mut dyn Any, model: &dyn Any) -> Schedule;
    /// Worker `worker`'s partial result for its `task` of round `round`, computed on its shard and its
    /// `state` (which reflects the commits it has applied so far).
    fn push(&self, worker: usize, round: u64, task: &Task, state: &mut dyn Any) -> Partial;
    /// Aggregates round `round`'s partial results (`partials[w]` is `Some` exactly for the workers with a
    /// non-empty task in `schedule`) into a commit, updating the committed `model` and the scheduler's
    /// `state`.
    fn pull(
        &self,
        round: u64,
        schedule: &Schedule,
        partials: &[Option<Partial>],
        model: &mut dyn Any,
        state: &mut dyn Any,
    ) -> Commit;
    /// Applies round `round`'s `commit` to worker `worker`'s `state` (the worker had `task` in that
    /// round); returns the work done, charged on the worker's device.
    fn apply(&self, worker: usize, round: u64, task: &Task, commit: &Commit, state: &mut dyn Any) -> Work;
    /// Objective of the committed `model` over the whole data set, computed exactly (lower is better).
    fn objective(&self, model: &dyn Any) -> f64;
    /// Number of non-zero variables of `model` (Lasso's support size); `None` for dense models.
    fn nonzeros(&self, model: &dyn Any) -> Option<u64> {
        let _ = model;
        None
    }
}
