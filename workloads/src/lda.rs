//! Latent Dirichlet allocation by collapsed Gibbs sampling on a parameter server.

use std::any::Any;
use std::sync::Arc;

use rand::Rng;
use sim_core::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use sim_core::rng::{stream, StreamKind};
use sim_core::Work;

use crate::data::ldac::Corpus;
use crate::sampling::BatchPlan;
use crate::ProgramError;

/// Default number of topics `K` (STRADS `apps/lda_release` default, REFERENCE §5.3).
pub const DEFAULT_TOPICS: u32 = 100;
/// Default document–topic prior `α` (STRADS default, REFERENCE §5.3; Griffiths & Steyvers use `50/K`).
pub const DEFAULT_ALPHA: f64 = 0.1;
/// Default topic–word prior `β` (STRADS and Griffiths & Steyvers 2004).
pub const DEFAULT_BETA: f64 = 0.1;

/// Table index of the word–topic counts `n_kw` (`V × K`).
pub const WORD_TOPIC: u32 = 0;
/// Table index of the topic totals `n_k` (`1 × K`).
pub const TOPIC_TOTALS: u32 = 1;

/// ChaCha word positions reserved for one clock's draws in a worker's stream (see
/// [`LatentDirichletAllocation`], "Randomness"): `2^36` 32-bit words, i.e. `2^35` uniform draws.
const WORDS_PER_CLOCK_LOG2: u32 = 36;

/// Settings of [`LatentDirichletAllocation`].
#[derive(Clone, Debug, PartialEq)]
pub struct LdaConfig {
    /// Number of workers (document partitions), ≥ 1 and ≤ the number of documents.
    pub workers: usize,
    /// Number of topics `K` (width of both tables), ≥ 1.
    pub topics: u32,
    /// Symmetric Dirichlet prior `α` on each document's topic mixture (> 0, finite).
    pub alpha: f64,
    /// Symmetric Dirichlet prior `β` on each topic's word distribution (> 0, finite).
    pub beta: f64,
    /// Documents swept per clock by each worker (≥ 1); a value ≥ the worker's partition size sweeps the
    /// whole partition every clock (one clock = one pass, as the default `usize::MAX` does).
    pub docs_per_clock: usize,
    /// Seed of the document partition, the initial topic assignments and the sampler's draws.
    pub seed: u64,
}

impl Default for LdaConfig {
    /// One worker, [`DEFAULT_TOPICS`], [`DEFAULT_ALPHA`], [`DEFAULT_BETA`], one pass over the partition
    /// per clock (`docs_per_clock = usize::MAX`), seed 0.
    fn default() -> Self {
        LdaConfig {
            workers: 1,
            topics: DEFAULT_TOPICS,
            alpha: DEFAULT_ALPHA,
            beta: DEFAULT_BETA,
            docs_per_clock: usize::MAX,
            seed: 0,
        }
    }
}

/// The documents of one worker and how they are cut into per-clock batches.
#[derive(Clone, Debug)]
struct WorkerPlan {
    /// Corpus document ids in visiting order.
    docs: Vec<u32>,
    /// Batch `j` = positions `batches[j].0 .. batches[j].1` of `docs`.
    batches: Vec<(usize, usize)>,
    /// Sorted, unique term ids of each batch.
    words: Vec<Vec<u32>>,
}

/// Latent Dirichlet allocation (Blei, Ng & Jordan, JMLR 2003) trained by collapsed Gibbs sampling
/// (Griffiths & Steyvers, "Finding scientific topics", PNAS 2004), with documents partitioned over
/// workers and the word–topic counts on a parameter server, as in Petuum Bösen's and YahooLDA's LDA
/// (approximate distributed LDA, Newman et al., JMLR 2009; REFERENCE §1.4, §5.3).
///
/// - **Tables**: [`WORD_TOPIC`] `"word_topic"` (`V × K`, row `w` = `n_kw` for `k = 0..K`: how many tokens
///   of term `w` are assigned topic `k`) and [`TOPIC_TOTALS`] `"topic_totals"` (`1 × K`, `n_k = Σ_w n_kw`).
///   Counts are stored as `f64` (exact integers below 2^53). [`DataParallelProgram::initial_params`] holds
///   the counts of the initial assignments.
/// - **Initial assignments**: token `t` of document `d` takes topic `z_dt` = the `t`-th draw of
///   `random_range(0..K)` from stream `(seed, ModelInit, d)`: a pure function of `(seed, d, t)`, the same
///   for any number of workers ([`Self::initial_topics`]).
/// - **Data**: documents are partitioned like examples (crate docs: shuffle with `(seed, Partition, 0)`,
///   contiguous split, per-worker order from `(seed, DataSampler, w)`). Worker `w` with `n_w` documents
///   and `b = min(docs_per_clock, n_w)` has `P_w = ⌈n_w / b⌉` batches, batch `j` being positions
///   `j·b .. min((j+1)·b, n_w)` of its order (the last may be short); clock `c` sweeps batch `c mod P_w`,
///   so every `P_w` clocks are one pass over the partition.
/// - **Worker state** ([`LdaWorkerState`]): the topic of every token of the worker's documents and the
///   document–topic counts `n_dk`; it never leaves the worker.
/// - **Update** of worker `w` at clock `c`: for each token (term `v`, topic `z`) of the batch, in document
///   order then token order: remove it (`n_dz`, `n_zv`, `n_z` −1), draw `k` with
///   `p(k) ∝ (n_dk + α) · (max(n_kv, 0) + β) / (max(n_k, 0) + Vβ)` by inverting one uniform on the
///   cumulative sum, and add it back under `k`. `n_dk` is the worker's own exact count; `n_kv` and `n_k`
///   are the worker's view `params` plus its own changes earlier in this clock (a local copy of the
///   touched rows). A stale view may lack some of the worker's own tokens, so `n_kv − 1` can be negative:
///   the clamp at 0 applies only to the probabilities, never to the counts. The step's updates are the
///   net count changes: one [`RowDelta`] per term row of the batch and one for the totals row (all
///   integers; a row whose changes cancel is still sent, with a zero delta).
///   [`DataParallelProgram::rows_needed`] = the batch's term rows, then the totals row; nothing else is
///   read.
/// - **Randomness**: clock `c` of worker `w` draws one uniform `f64` per token from stream
///   `(seed, DataSampler, w)` positioned at 32-bit word `(c + 1) · 2^36` (`ChaCha8Rng::set_word_pos`),
///   so each clock owns a disjoint block of `2^35` draws after the few the partition shuffle uses, and a
///   step is a pure function of `(seed, worker, clock, params, state)`.
/// - **Objective** (exact, lower is better): `−ln p(w | z)`, the log-likelihood of the corpus given the
///   assignments with `φ` integrated out (Griffiths & Steyvers 2004, eq. 2):
///   `−( K[lnΓ(Vβ) − V lnΓ(β)] + Σ_k [Σ_w lnΓ(n_kw + β) − lnΓ(n_k + Vβ)] )` \[nats\], from the
///   server's `word_topic` table and `topic_totals` row (`libm::lgamma`). It falls steeply during burn-in;
///   afterwards it fluctuates, since the chain samples `p(z | w) ∝ p(w | z) p(z)` rather than maximising
///   `p(w | z)` (on Reuters, K = 100: burn-in takes about 8 sweeps of one worker).
/// - **Step size**: none; [`DataParallelProgram::learning_rate_factor`] keeps its default 1.
/// - **Work** per step, with `T` tokens swept, `k = K` and `r` rows touched (term rows + totals):
///   `flops = T (5K + 5) + 2K`: per token and topic `n_dk + α`, `n_kv + β`, two products (the second by
///   the kept reciprocal `1/(n_k + Vβ)`) and the cumulative sum; per token one product to scale the
///   uniform and two reciprocals refreshed (removed and added topic, an addition and a quotient each);
///   per clock the `K` reciprocals computed once. Comparisons, the clamps and integer count updates are
///   not counted. `bytes = T (12 + 28K) + 24K r + 16K`: per token its term id and topic read and the
///   topic written, 4 bytes each; per token and topic a `u32` `n_dk`, an `f64` `n_kv` and reciprocal
///   read and the `f64` cumulative sum written; per row the view read, the local copy written and the
///   delta written; per clock `n_k` read and the reciprocals written (8 bytes per `f64`).
#[derive(Clone, Debug)]
pub struct LatentDirichletAllocation {
    corpus: Arc<Corpus>,
    cfg: LdaConfig,
    plans: Vec<WorkerPlan>,
    name: String,
}

/// What one worker keeps between its clocks ([`DataParallelProgram::initial_worker_state`]): the topic
/// assignment of every token of its documents and their document–topic counts. Documents are indexed
/// by their position in the worker's visiting order ([`LatentDirichletAllocation::partition`], or
/// [`crate::strads::lda::StradsLda::partition`] for the model-parallel program, which keeps the same
/// state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdaWorkerState {
    pub(crate) worker: usize,
    pub(crate) topics: usize,
    /// Document at position `p` has topics `z[doc_ptr[p]..doc_ptr[p+1]]`.
    pub(crate) doc_ptr: Vec<usize>,
    pub(crate) z: Vec<u32>,
    /// `[documents × K]` row-major.
    pub(crate) ndk: Vec<u32>,
}

impl LdaWorkerState {
    /// The worker this state belongs to.
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// Number of documents the worker owns.
    pub fn num_docs(&self) -> usize {
        self.doc_ptr.len() - 1
    }

    /// Topics (each `< K`) of the tokens of the document at position `pos` of the worker's order, in
    /// token order ([`Corpus::doc`]).
    ///
    /// # Panics
    /// If `pos >= self.num_docs()`.
    pub fn topics(&self, pos: usize) -> &[u32] {
        &self.z[self.doc_ptr[pos]..self.doc_ptr[pos + 1]]
    }

    /// Document–topic counts `n_dk` (`K` values, summing to the document's length) of the document at
    /// position `pos`.
    ///
    /// # Panics
    /// If `pos >= self.num_docs()`.
    pub fn doc_topic_counts(&self, pos: usize) -> &[u32] {
        &self.ndk[pos * self.topics..(pos + 1) * self.topics]
    }
}

fn word_row(w: u32) -> RowRef {
    RowRef { table: WORD_TOPIC, row: w }
}

const TOTALS_ROW: RowRef = RowRef { table: TOPIC_TOTALS, row: 0 };

impl LatentDirichletAllocation {
    /// The program on `corpus` with settings `cfg`; named `"LDA (collapsed Gibbs)"` (see [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] if `workers`, `topics` or `docs_per_clock` is 0, `workers` exceeds
    /// the number of documents, or `alpha` or `beta` is not positive and finite.
    pub fn new(corpus: impl Into<Arc<Corpus>>, cfg: LdaConfig) -> Result<Self, ProgramError> {
        let corpus = corpus.into();
        let bad = |field: &'static str, message: String| Err(ProgramError::InvalidConfig { field, message });
        if cfg.workers == 0 {
            return bad("workers", "must be at least 1".into());
        }
        if cfg.workers > corpus.num_docs() {
            return bad("workers", format!("{} exceeds the {} documents", cfg.workers, corpus.num_docs()));
        }
        if cfg.topics == 0 {
            return bad("topics", "must be at least 1".into());
        }
        if cfg.docs_per_clock == 0 {
            return bad("docs_per_clock", "must be at least 1".into());
        }
        if !(cfg.alpha.is_finite() && cfg.alpha > 0.0) {
            return bad("alpha", format!("{} is not positive and finite", cfg.alpha));
        }
        if !(cfg.beta.is_finite() && cfg.beta > 0.0) {
            return bad("beta", format!("{} is not positive and finite", cfg.beta));
        }
        // The crate's partition convention; batch size 1 is always valid once workers ≤ documents.
        let split = BatchPlan::new(corpus.num_docs(), cfg.workers, 1, cfg.seed, "documents")?;
        let plans = (0..cfg.workers)
            .map(|w| {
                let docs = split.partition(w).to_vec();
                let b = cfg.docs_per_clock.min(docs.len());
                let batches: Vec<(usize, usize)> =
                    (0..docs.len().div_ceil(b)).map(|j| (j * b, ((j + 1) * b).min(docs.len()))).collect();
                let words = batches
                    .iter()
                    .map(|&(s, e)| {
                        let mut ws: Vec<u32> =
                            docs[s..e].iter().flat_map(|&d| corpus.doc(d as usize).iter().copied()).collect();
                        ws.sort_unstable();
                        ws.dedup();
                        ws
                    })
                    .collect();
                WorkerPlan { docs, batches, words }
            })
            .collect();
        Ok(LatentDirichletAllocation { corpus, cfg, plans, name: "LDA (collapsed Gibbs)".into() })
    }

    /// The same program reported under `name` (e.g. `"LDA (reuters)"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The training corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The settings.
    pub fn config(&self) -> &LdaConfig {
        &self.cfg
    }

    /// The corpus document ids of `worker`'s partition, in visiting order.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn partition(&self, worker: usize) -> &[u32] {
        &self.plans[worker].docs
    }

    /// Clocks `P_w` that `worker` takes for one pass over its partition.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn clocks_per_pass(&self, worker: usize) -> u64 {
        self.plans[worker].batches.len() as u64
    }

    /// The corpus document ids `worker` sweeps at `clock`, in order.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn batch(&self, worker: usize, clock: u64) -> &[u32] {
        let plan = &self.plans[worker];
        let (s, e) = plan.batches[(clock % plan.batches.len() as u64) as usize];
        &plan.docs[s..e]
    }

    /// The initial topic of every token of document `doc` (each `< K`): draws of `random_range(0..K)`
    /// from stream `(seed, ModelInit, doc)`, one per token in order.
    ///
    /// # Panics
    /// If `doc >= corpus().num_docs()`.
    pub fn initial_topics(&self, doc: usize) -> Vec<u32> {
        initial_topics(&self.corpus, self.cfg.topics, self.cfg.seed, doc)
    }

    /// The count tables implied by the assignments in `states` (one per worker, any order): `n_kw` and
    /// `n_k` summed over every worker's tokens, in the layout of [`DataParallelProgram::tables`]. With
    /// the initial states this is [`DataParallelProgram::initial_params`]; after any clocks it equals the
    /// initial params plus every update the workers emitted.
    ///
    /// # Panics
    /// Unless `states` holds exactly one state of each worker of this program.
    pub fn counts(&self, states: &[&LdaWorkerState]) -> Params {
        let mut seen = vec![false; self.cfg.workers];
        for s in states {
            assert!(s.worker < seen.len() && !seen[s.worker], "state of worker {} repeated or out of range", s.worker);
            seen[s.worker] = true;
        }
        assert!(seen.iter().all(|&x| x), "one state per worker is needed");
        let k = self.cfg.topics as usize;
        let mut params = Params::zeros(&self.tables());
        for s in states {
            for (pos, &d) in self.plans[s.worker].docs.iter().enumerate() {
                for (&w, &z) in self.corpus.doc(d as usize).iter().zip(s.topics(pos)) {
                    params.table_mut(WORD_TOPIC as usize)[w as usize * k + z as usize] += 1.0;
                    params.table_mut(TOPIC_TOTALS as usize)[z as usize] += 1.0;
                }
            }
        }
        params
    }

    /// `ln p(w | z)` \[nats\] of the counts in `params` (the negated [`DataParallelProgram::objective`]).
    pub fn log_likelihood(&self, params: &Params) -> f64 {
        log_likelihood_of_counts(
            params.table(WORD_TOPIC as usize),
            params.row(TOTALS_ROW),
            self.corpus.vocab_size(),
            self.cfg.beta,
        )
    }
}

/// The initial topic of every token of document `doc` of `corpus` (each `< topics`): draws of
/// `random_range(0..topics)` from stream `(seed, ModelInit, doc)`, one per token in order. Shared with
/// `strads::lda`.
pub(crate) fn initial_topics(corpus: &Corpus, topics: u32, seed: u64, doc: usize) -> Vec<u32> {
    let id = u32::try_from(doc).expect("document id fits in u32");
    let mut rng = stream(seed, StreamKind::ModelInit, id);
    corpus.doc(doc).iter().map(|_| rng.random_range(0..topics)).collect()
}

/// `ln p(w | z)` \[nats\] (Griffiths & Steyvers 2004, eq. 2) of word–topic counts `word_topic` (`V × K`
/// row-major, `V = vocab_size`) and topic totals `topic_totals` (`K`), under the prior `beta`; the
/// computation behind [`LatentDirichletAllocation::log_likelihood`]. Shared with `strads::lda`.
pub(crate) fn log_likelihood_of_counts(word_topic: &[f64], topic_totals: &[f64], vocab_size: u32, beta: f64) -> f64 {
    let (k, v) = (topic_totals.len(), f64::from(vocab_size));
    let vb = v * beta;
    let mut ll = k as f64 * (libm::lgamma(vb) - v * libm::lgamma(beta));
    for &n in word_topic {
        ll += libm::lgamma(n + beta);
    }
    for &n in topic_totals {
        ll -= libm::lgamma(n + vb);
    }
    ll
}

impl DataParallelProgram for LatentDirichletAllocation {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec { name: "word_topic".into(), rows: self.corpus.vocab_size(), width: self.cfg.topics },
            TableSpec { name: "topic_totals".into(), rows: 1, width: self.cfg.topics },
        ]
    }

    fn initial_params(&self) -> Params {
        let k = self.cfg.topics as usize;
        let mut params = Params::zeros(&self.tables());
        for d in 0..self.corpus.num_docs() {
            for (&w, z) in self.corpus.doc(d).iter().zip(self.initial_topics(d)) {
                params.table_mut(WORD_TOPIC as usize)[w as usize * k + z as usize] += 1.0;
                params.table_mut(TOPIC_TOTALS as usize)[z as usize] += 1.0;
            }
        }
        params
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    fn rows_needed(&self, worker: usize, clock: u64) -> Vec<RowRef> {
        let plan = &self.plans[worker];
        let j = (clock % plan.batches.len() as u64) as usize;
        plan.words[j].iter().map(|&w| word_row(w)).chain([TOTALS_ROW]).collect()
    }

    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send> {
        let k = self.cfg.topics as usize;
        let docs = &self.plans[worker].docs;
        let mut doc_ptr = vec![0];
        let mut z = Vec::new();
        let mut ndk = vec![0u32; docs.len() * k];
        for (pos, &d) in docs.iter().enumerate() {
            for t in self.initial_topics(d as usize) {
                ndk[pos * k + t as usize] += 1;
                z.push(t);
            }
            doc_ptr.push(z.len());
        }
        Box::new(LdaWorkerState { worker, topics: k, doc_ptr, z, ndk })
    }

    /// The topic assignment of every token of the worker's documents, a `u32` each: `4 × tokens` [bytes].
    /// The document–topic counts follow from the assignments and are rebuilt on a restore, not saved.
    fn worker_state_bytes(&self, worker: usize) -> u64 {
        let tokens: usize = self.plans[worker].docs.iter().map(|&d| self.corpus.doc(d as usize).len()).sum();
        4 * tokens as u64
    }

    fn compute(&self, worker: usize, clock: u64, params: &Params, state: &mut dyn Any) -> Step {
        let st = state.downcast_mut::<LdaWorkerState>().expect("LDA compute needs the state of initial_worker_state");
        assert_eq!(st.worker, worker, "state of worker {} passed to worker {worker}", st.worker);
        let plan = &self.plans[worker];
        let j = (clock % plan.batches.len() as u64) as usize;
        let (start, end) = plan.batches[j];
        let words = &plan.words[j];
        let k = self.cfg.topics as usize;
        let (alpha, beta) = (self.cfg.alpha, self.cfg.beta);
        let vbeta = f64::from(self.corpus.vocab_size()) * beta;

        // Local copy of the touched rows: the view plus this clock's own changes (may go negative).
        let mut nkw: Vec<f64> = Vec::with_capacity(words.len() * k);
        for &w in words {
            nkw.extend_from_slice(params.row(word_row(w)));
        }
        let mut nk: Vec<f64> = params.row(TOTALS_ROW).to_vec();
        let (nkw0, nk0) = (nkw.clone(), nk.clone());

        // ChaCha word positions have 68 bits: (clock + 1) · 2^36 must stay below 2^68.
        assert!(clock < (1 << (68 - WORDS_PER_CLOCK_LOG2)) - 1, "clock {clock} beyond the sampler's stream");
        let mut rng = stream(self.cfg.seed, StreamKind::DataSampler, worker as u32);
        rng.set_word_pos(u128::from(clock + 1) << WORDS_PER_CLOCK_LOG2);

        // 1 / (max(n_k, 0) + Vβ), kept current as n_k changes.
        let mut inv: Vec<f64> = nk.iter().map(|&n| 1.0 / (n.max(0.0) + vbeta)).collect();
        let mut cum = vec![0.0f64; k];
        let mut tokens = 0u64;
        for pos in start..end {
            let doc = self.corpus.doc(plan.docs[pos] as usize);
            let ndk = &mut st.ndk[pos * k..(pos + 1) * k];
            let zs = &mut st.z[st.doc_ptr[pos]..st.doc_ptr[pos + 1]];
            for (&w, z) in doc.iter().zip(zs.iter_mut()) {
                let row = words.binary_search(&w).expect("batch term is touched") * k;
                let old = *z as usize;
                ndk[old] -= 1;
                nkw[row + old] -= 1.0;
                nk[old] -= 1.0;
                inv[old] = 1.0 / (nk[old].max(0.0) + vbeta);
                let mut total = 0.0;
                for t in 0..k {
                    total += (f64::from(ndk[t]) + alpha) * (nkw[row + t].max(0.0) + beta) * inv[t];
                    cum[t] = total;
                }
                let u = rng.random::<f64>() * total;
                let new = cum.partition_point(|&c| c <= u).min(k - 1);
                ndk[new] += 1;
                nkw[row + new] += 1.0;
                nk[new] += 1.0;
                inv[new] = 1.0 / (nk[new].max(0.0) + vbeta);
                *z = new as u32;
                tokens += 1;
            }
        }
        // Each draw takes two 32-bit words.
        assert!(tokens < 1 << (WORDS_PER_CLOCK_LOG2 - 1), "a clock drew past its block of the stream");

        let mut updates: Vec<RowDelta> = words
            .iter()
            .enumerate()
            .map(|(i, &w)| RowDelta {
                row: word_row(w),
                delta: (i * k..(i + 1) * k).map(|x| nkw[x] - nkw0[x]).collect(),
            })
            .collect();
        updates.push(RowDelta { row: TOTALS_ROW, delta: nk.iter().zip(&nk0).map(|(a, b)| a - b).collect() });
        let (kk, rows) = (k as u64, updates.len() as u64);
        Step {
            updates,
            work: Work {
                flops: tokens * (5 * kk + 5) + 2 * kk,
                bytes: tokens * (12 + 28 * kk) + 24 * kk * rows + 16 * kk,
            },
        }
    }

    fn objective(&self, params: &Params) -> f64 {
        -self.log_likelihood(params)
    }

    fn objective_name(&self) -> String {
        "negative log-likelihood −ln p(w|z) [nats]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ldac;

    const TEXT: &str = "3 0:2 1:1 2:1\n2 1:3 3:1\n3 4:2 5:2 0:1\n1 5:4\n0\n4 2:1 3:2 4:1 5:1\n";

    fn cfg(workers: usize, docs_per_clock: usize) -> LdaConfig {
        LdaConfig { workers, topics: 3, alpha: 0.5, beta: 0.1, docs_per_clock, seed: 5 }
    }

    fn prog(workers: usize, docs_per_clock: usize) -> LatentDirichletAllocation {
        LatentDirichletAllocation::new(ldac::parse(TEXT, 6).unwrap(), cfg(workers, docs_per_clock)).unwrap()
    }

    #[test]
    fn batches_cycle_through_the_partition() {
        let p = prog(2, 2);
        let mut all: Vec<u32> = (0..2).flat_map(|w| p.partition(w).to_vec()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..6).collect::<Vec<u32>>());
        for w in 0..2 {
            assert_eq!(p.clocks_per_pass(w), 2);
            let pass: Vec<u32> = (0..2).flat_map(|c| p.batch(w, c).to_vec()).collect();
            assert_eq!(pass, p.partition(w));
            assert_eq!(p.batch(w, 2), p.batch(w, 0));
            assert_eq!(p.batch(w, 1).len(), 1);
        }
        // More documents per clock than the partition has: the whole partition every clock.
        let whole = prog(2, 100);
        assert_eq!(whole.clocks_per_pass(1), 1);
        assert_eq!(whole.batch(1, 7), whole.partition(1));
    }

    #[test]
    fn rows_needed_are_the_batch_terms_and_the_totals() {
        let p = prog(1, 1);
        for c in 0..6 {
            let doc = p.corpus().doc(p.batch(0, c)[0] as usize);
            let mut expected: Vec<RowRef> = doc.iter().map(|&w| word_row(w)).collect();
            expected.sort_unstable();
            expected.dedup();
            expected.push(TOTALS_ROW);
            assert_eq!(p.rows_needed(0, c), expected);
        }
    }

    #[test]
    fn compute_reads_only_the_rows_it_needs() {
        let p = prog(2, 1);
        let params = p.initial_params();
        for w in 0..2 {
            let mut state = p.initial_worker_state(w);
            for c in 0..4 {
                let needed = p.rows_needed(w, c);
                let mut poisoned = params.clone();
                for row in 0..6 {
                    if needed.binary_search(&word_row(row)).is_err() {
                        poisoned.row_mut(word_row(row)).fill(f64::NAN);
                    }
                }
                let mut copy = p.initial_worker_state(w);
                copy.downcast_mut::<LdaWorkerState>().unwrap().clone_from(state.downcast_ref().unwrap());
                let a = p.compute(w, c, &params, state.as_mut());
                let b = p.compute(w, c, &poisoned, copy.as_mut());
                assert_eq!(a, b);
                assert_eq!(a.updates.iter().map(|u| u.row).collect::<Vec<_>>(), needed);
                let tokens: usize = p.batch(w, c).iter().map(|&d| p.corpus().doc(d as usize).len()).sum();
                assert_eq!(a.work.flops, tokens as u64 * 20 + 6);
                // Net changes: every token leaves one topic and enters one, so each row's delta sums to 0.
                for u in &a.updates {
                    assert_eq!(u.delta.iter().sum::<f64>(), 0.0);
                }
            }
        }
    }

    #[test]
    fn doc_topic_counts_match_assignments() {
        let p = prog(2, 2);
        let params = p.initial_params();
        for w in 0..2 {
            let mut state = p.initial_worker_state(w);
            for c in 0..5 {
                p.compute(w, c, &params, state.as_mut());
            }
            let s = state.downcast_ref::<LdaWorkerState>().unwrap();
            for pos in 0..s.num_docs() {
                let mut counts = [0u32; 3];
                s.topics(pos).iter().for_each(|&t| counts[t as usize] += 1);
                assert_eq!(s.doc_topic_counts(pos), counts);
                assert_eq!(s.topics(pos).len(), p.corpus().doc(p.partition(w)[pos] as usize).len());
            }
        }
    }

    #[test]
    fn a_checkpoint_saves_four_bytes_per_token_of_the_worker() {
        let p = prog(3, 2);
        let mut total = 0;
        for w in 0..3 {
            let state = p.initial_worker_state(w);
            let s = state.downcast_ref::<LdaWorkerState>().unwrap();
            assert_eq!(p.worker_state_bytes(w), 4 * s.z.len() as u64);
            total += p.worker_state_bytes(w);
        }
        assert_eq!(total, 4 * p.corpus().num_tokens() as u64);
    }

    #[test]
    fn objective_matches_a_hand_computation() {
        // One document "0 0 1", V = 2, K = 1: n_00 = 2, n_01 = 1, n_0 = 3.
        let corpus = Corpus::from_documents(2, [vec![0, 0, 1]]).unwrap();
        let c = LdaConfig { workers: 1, topics: 1, alpha: 0.1, beta: 0.5, docs_per_clock: 1, seed: 0 };
        let p = LatentDirichletAllocation::new(corpus, c).unwrap();
        let params = p.initial_params();
        assert_eq!(params.table(0), &[2.0, 1.0]);
        // p(w|z) = Γ(1)/Γ(½)² · Γ(2½)Γ(1½)/Γ(4) = (¾√π)(½√π)/(π · 6) = 1/16.
        assert!((p.log_likelihood(&params) - (1.0f64 / 16.0).ln()).abs() < 1e-12);
        assert!((p.objective(&params) - 16f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_configs() {
        let corpus = ldac::parse(TEXT, 6).unwrap();
        let field = |c: LdaConfig| match LatentDirichletAllocation::new(corpus.clone(), c) {
            Err(ProgramError::InvalidConfig { field, .. }) => field,
            Ok(_) => "ok",
        };
        assert_eq!(field(cfg(0, 1)), "workers");
        assert_eq!(field(cfg(7, 1)), "workers");
        assert_eq!(field(cfg(6, 1)), "ok");
        assert_eq!(field(cfg(1, 0)), "docs_per_clock");
        assert_eq!(field(LdaConfig { topics: 0, ..cfg(1, 1) }), "topics");
        assert_eq!(field(LdaConfig { alpha: 0.0, ..cfg(1, 1) }), "alpha");
        assert_eq!(field(LdaConfig { alpha: f64::NAN, ..cfg(1, 1) }), "alpha");
        assert_eq!(field(LdaConfig { beta: -1.0, ..cfg(1, 1) }), "beta");
        assert_eq!(field(LdaConfig { beta: f64::INFINITY, ..cfg(1, 1) }), "beta");
        assert_eq!(field(LdaConfig { workers: 2, ..LdaConfig::default() }), "ok");
    }
}
