//! The placement algorithms: baselines, a topology-aware constructive placement and a budgeted
//! simulated annealing.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sim_core::rng::{stream, StreamKind};
use sim_core::training::Parallelism;
use sim_core::{NodeId, SimDuration};

use super::order::{chain_order, domain_size, layout, locality_order, AxisOrder};
use super::{
    feasible_splits, micro_batches, sequential_plan, Evaluator, Placement, PlacementError, Placer, Plan, Session, Split,
};

/// Megatron-LM's default mapping: the runtime's split and micro-batch size on the platform's first
/// `d · t · p` hosts in id order, ranks in Megatron's order (tensor fastest, then data, then
/// pipeline). One evaluation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

impl Placer for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn place(&self, evaluator: &Evaluator<'_>, budget: u32, _seed: u64) -> Result<Placement, PlacementError> {
        let plan = sequential_plan(evaluator.problem());
        evaluator.check(&plan).map_err(PlacementError::Baseline)?;
        let mut session = Session::new(evaluator, budget.min(1));
        let (plan, time) = best(session.score(vec![plan])?).ok_or(PlacementError::ZeroBudget)?;
        Ok(Placement { plan, iteration_time: time, evaluations: session.used(), origin: "id order".into() })
    }
}

/// Random mappings of the runtime's split: each draw takes `d · t · p` of the platform's hosts in a
/// uniformly random order (Fisher–Yates on the placement stream); the best of `samples` draws (at most
/// the budget) is reported. TopoOpt's and SiP-ML's "random" baseline.
#[derive(Clone, Copy, Debug)]
pub struct Random {
    /// Draws, ≥ 1.
    pub samples: u32,
}

impl Placer for Random {
    fn name(&self) -> &'static str {
        "random"
    }

    fn place(&self, evaluator: &Evaluator<'_>, budget: u32, seed: u64) -> Result<Placement, PlacementError> {
        let base = sequential_plan(evaluator.problem());
        evaluator.check(&base).map_err(PlacementError::Baseline)?;
        let mut rng = stream(seed, StreamKind::Placement, 1);
        let mut hosts = evaluator.problem().platform.hosts();
        let plans = (0..self.samples.max(1).min(budget))
            .map(|_| {
                shuffle(&mut hosts, &mut rng);
                Plan { devices: hosts[..base.devices.len()].to_vec(), ..base.clone() }
            })
            .collect();
        let mut session = Session::new(evaluator, budget);
        let (plan, time) = best(session.score(plans)?).ok_or(PlacementError::ZeroBudget)?;
        Ok(Placement { plan, iteration_time: time, evaluations: session.used(), origin: "random draw".into() })
    }
}

/// Topology-aware constructive placement: tensor-parallel groups inside the highest-bandwidth domain,
/// pipeline neighbours and data-parallel peers next to each other along a locality order of the hosts
/// ([`locality_order`]), after Megatron-LM's guideline (Narayanan et al., SC'21, §3.3: tensor
/// parallelism up to the GPUs of a server, pipeline parallelism to fit the model, data parallelism for
/// the rest).
///
/// Candidates, simulated in this order until the budget is spent, the best kept:
/// 1. the sequential baseline's plan (so the result is never worse than it; `origin` says when it wins);
/// 2. for the runtime's split and, when splits may change, for the tensor degrees `T` (the largest
///    divisor of the device count within the bandwidth domain of the first host) and the largest
///    divisor `t ≤ T/2`, each with the smallest pipeline degree that fits in memory: every micro-batch size, both axis orders
///    ([`AxisOrder`]), on the id order, the locality order ([`locality_order`]: bandwidth domains
///    one after another) and the chain order ([`chain_order`]: nearest neighbour after nearest
///    neighbour, so rings follow physical rings) of the hosts.
#[derive(Clone, Copy, Debug, Default)]
pub struct TopologyAware;

impl TopologyAware {
    /// The candidates of steps 1–2, deduplicated, with a label each.
    fn candidates(evaluator: &Evaluator<'_>) -> Result<Vec<(Plan, String)>, PlacementError> {
        let problem = evaluator.problem();
        let feasible = feasible_splits(problem)?;
        let sequential = sequential_plan(problem);
        let n = sequential.devices.len() as u32;
        let mut splits = vec![sequential.split];
        if problem.splits {
            let hosts = problem.platform.hosts();
            let domain = domain_size(problem.platform, &hosts) as u32;
            let tensor: Vec<u32> = (1..=domain.min(n)).rev().filter(|t| n % t == 0).collect();
            for &t in tensor.iter().take(1).chain(tensor.iter().find(|&&t| 2 * t <= tensor[0])) {
                // The smallest pipeline degree with some feasible micro-batch size.
                if let Some(&(split, _)) =
                    feasible.iter().filter(|((_, tt, _), _)| *tt == t).min_by_key(|((_, _, p), _)| *p)
                {
                    splits.push(split);
                }
            }
        }
        let hosts = problem.platform.hosts();
        let mut orders = vec![("id order", hosts.clone())];
        for (name, order) in [
            ("locality order", locality_order(problem.platform, &hosts)),
            ("chain order", chain_order(problem.platform, &hosts)),
        ] {
            if !orders.iter().any(|(_, o)| *o == order) {
                orders.push((name, order));
            }
        }
        let mut out = vec![(sequential, "sequential (fallback)".to_string())];
        for split in dedup(splits) {
            let (data, tensor, pipeline) = split;
            let par = Parallelism { data, tensor, pipeline };
            for b in micro_batches(problem) {
                for axes in [AxisOrder::TensorDataPipeline, AxisOrder::TensorPipelineData] {
                    if axes == AxisOrder::TensorPipelineData && (data == 1 || pipeline == 1) {
                        continue; // Same layout as the other order.
                    }
                    for (name, order) in &orders {
                        let plan = Plan { split, micro_batch_size: b, devices: layout(par, order, axes) };
                        if !out.iter().any(|(p, _)| *p == plan) {
                            out.push((plan, format!("{data}×{tensor}×{pipeline} b{b} {} on {name}", axes.label())));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Placer for TopologyAware {
    fn name(&self) -> &'static str {
        "topology-aware"
    }

    fn place(&self, evaluator: &Evaluator<'_>, budget: u32, _seed: u64) -> Result<Placement, PlacementError> {
        let candidates = Self::candidates(evaluator)?;
        let mut session = Session::new(evaluator, budget);
        let scored = session.score(candidates.iter().map(|(p, _)| p.clone()).collect())?;
        let (plan, time) = best(scored).ok_or(PlacementError::ZeroBudget)?;
        let origin = candidates.into_iter().find(|(p, _)| *p == plan).map(|(_, o)| o).unwrap_or_default();
        Ok(Placement { plan, iteration_time: time, evaluations: session.used(), origin })
    }
}

/// Simulated annealing over plans, started from [`TopologyAware`]'s result and scored by the
/// simulator (the search FlexFlow and TopoOpt run with their own simulators, here bounded by a
/// budget of simulated candidates, never by wall time).
///
/// Each round draws `batch` distinct neighbours of the current plan from the placement stream — swap two
/// devices, swap two tensor-parallel groups, reverse a run of devices, swap in an unused host, or
/// (when splits may change) move to a neighbouring feasible split (one degree × a prime factor, another
/// ÷ it) or micro-batch size, laid out on the locality order — simulates them in parallel, and moves to the best of them if it is faster, or else with
/// the Metropolis probability `exp(−(t'/t − 1)/T)`, the temperature `T` falling linearly from
/// `initial_temperature` (first round) towards 0 as the budget left after the constructive start is
/// spent. The best plan ever simulated is returned, so
/// the result is never worse than the constructive start. The batch size, not the thread count,
/// fixes the sequence of draws, so the result is the same on any machine.
#[derive(Clone, Copy, Debug)]
pub struct Annealing {
    /// Neighbours simulated per round, ≥ 1 (default 8).
    pub batch: u32,
    /// Starting temperature, as a relative slowdown accepted with probability `1/e` (default 0.02).
    pub initial_temperature: f64,
}

impl Default for Annealing {
    fn default() -> Self {
        Annealing { batch: 8, initial_temperature: 0.02 }
    }
}

/// Neighbour draws that may be memory-infeasible before a round gives up, per candidate wanted.
const DRAWS_PER_CANDIDATE: u32 = 20;

impl Placer for Annealing {
    fn name(&self) -> &'static str {
        "annealing"
    }

    fn place(&self, evaluator: &Evaluator<'_>, budget: u32, seed: u64) -> Result<Placement, PlacementError> {
        let start = TopologyAware.place(evaluator, budget, seed)?;
        let problem = evaluator.problem();
        let mut session = Session::new(evaluator, budget - start.evaluations);
        let mut rng = stream(seed, StreamKind::Placement, 2);
        let hosts = problem.platform.hosts();
        let order = locality_order(problem.platform, &hosts);
        // Only the base split (with every micro-batch size) when splits are fixed.
        let splits = feasible_splits(problem)?;
        let annealing_budget = session.remaining().max(1);
        let (mut current, mut current_time) = (start.plan.clone(), start.iteration_time);
        let (mut best_plan, mut best_time) = (current.clone(), current_time);
        let mut origin = start.origin.clone();
        while session.remaining() > 0 {
            let want = self.batch.max(1).min(session.remaining());
            let mut neighbours = Vec::new();
            let mut draws = 0;
            while (neighbours.len() as u32) < want && draws < want * DRAWS_PER_CANDIDATE {
                draws += 1;
                let plan = neighbour(&current, &hosts, &order, &splits, &mut rng);
                if plan != current && !neighbours.contains(&plan) && evaluator.check(&plan).is_ok() {
                    neighbours.push(plan);
                }
            }
            if neighbours.is_empty() {
                break;
            }
            // Falls linearly over the annealing's own budget, from `initial_temperature`.
            let temperature = self.initial_temperature * f64::from(session.remaining()) / f64::from(annealing_budget);
            let Some((plan, time)) = best(session.score(neighbours)?) else { break };
            let worse = time.0 as f64 / current_time.0.max(1) as f64 - 1.0;
            let draw: f64 = rng.random();
            if time < current_time || (temperature > 0.0 && draw < (-worse / temperature).exp()) {
                current = plan;
                current_time = time;
            }
            if current_time < best_time {
                best_plan = current.clone();
                best_time = current_time;
                origin = "annealing".into();
            }
        }
        Ok(Placement {
            plan: best_plan,
            iteration_time: best_time,
            evaluations: start.evaluations + session.used(),
            origin,
        })
    }
}

/// A random neighbour of `plan`; see [`Annealing`].
fn neighbour(plan: &Plan, hosts: &[NodeId], order: &[NodeId], splits: &[(Split, u64)], rng: &mut ChaCha8Rng) -> Plan {
    let mut next = plan.clone();
    let n = next.devices.len();
    let t = plan.split.1 as usize;
    let spare = hosts.len() > n;
    let moves = if splits.len() > 1 { 5 } else { 4 };
    // Move 0, and any move that does not apply, swaps two devices.
    match below(rng, moves) {
        1 if n / t > 1 => {
            let (a, b) = distinct_pair(rng, n / t);
            for k in 0..t {
                next.devices.swap(a * t + k, b * t + k);
            }
        }
        2 if n > 2 => {
            let i = below(rng, n);
            let j = below(rng, n);
            let (i, j) = (i.min(j), i.max(j));
            next.devices[i..=j].reverse();
        }
        3 if spare => {
            let used: std::collections::BTreeSet<NodeId> = plan.devices.iter().copied().collect();
            let spare: Vec<NodeId> = hosts.iter().copied().filter(|h| !used.contains(h)).collect();
            let i = below(rng, n);
            next.devices[i] = spare[below(rng, spare.len())];
        }
        4 => {
            // A neighbouring split: one axis × f, another ÷ f (f a prime factor), or another
            // micro-batch size; laid out on the locality order.
            let near: Vec<&(Split, u64)> = splits.iter().filter(|(s, b)| adjacent(plan, *s, *b)).collect();
            if let Some(&&(split, b)) = near.get(below(rng, near.len().max(1))) {
                let (data, tensor, pipeline) = split;
                let axes =
                    if below(rng, 2) == 0 { AxisOrder::TensorDataPipeline } else { AxisOrder::TensorPipelineData };
                next = Plan {
                    split,
                    micro_batch_size: b,
                    devices: layout(Parallelism { data, tensor, pipeline }, order, axes),
                };
            }
        }
        _ if n > 1 => {
            let (i, j) = distinct_pair(rng, n);
            next.devices.swap(i, j);
        }
        _ => {}
    }
    next
}

/// Whether `(split, b)` is one step from `plan`'s: the same split with another micro-batch size, or
/// the same micro-batch size with one degree multiplied and another divided by one prime factor.
pub(super) fn adjacent(plan: &Plan, split: Split, b: u64) -> bool {
    let (a, c) = ([plan.split.0, plan.split.1, plan.split.2], [split.0, split.1, split.2]);
    if a == c {
        return b != plan.micro_batch_size;
    }
    if b != plan.micro_batch_size {
        return false;
    }
    let up: Vec<usize> = (0..3).filter(|&i| c[i] > a[i]).collect();
    let down: Vec<usize> = (0..3).filter(|&i| c[i] < a[i]).collect();
    let is_prime = |f: u32| f >= 2 && (2..).take_while(|k| k * k <= f).all(|k| f % k != 0);
    up.len() == 1
        && down.len() == 1
        && c[up[0]] % a[up[0]] == 0
        && is_prime(c[up[0]] / a[up[0]])
        && a[down[0]] == c[down[0]] * (c[up[0]] / a[up[0]])
}

/// Two distinct uniform draws from `0 .. n` (`n ≥ 2`): the first, then one of the other `n − 1`.
fn distinct_pair(rng: &mut ChaCha8Rng, n: usize) -> (usize, usize) {
    let i = below(rng, n);
    (i, (i + 1 + below(rng, n - 1)) % n)
}

/// A uniform draw from `0 .. n` (`n ≥ 1`), unbiased (Lemire's method via `random_range`).
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    rng.random_range(0..n)
}

/// Fisher–Yates shuffle.
fn shuffle(v: &mut [NodeId], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, below(rng, i + 1));
    }
}

/// The fastest of `scored`, the first on ties.
fn best(scored: Vec<(Plan, SimDuration)>) -> Option<(Plan, SimDuration)> {
    scored.into_iter().reduce(|a, b| if b.1 < a.1 { b } else { a })
}

/// `v` without repeats, first occurrences kept.
fn dedup<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
