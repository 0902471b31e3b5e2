//! STRADS runtime semantics: sequential equivalence without pipelining, the pipelining staleness
//! bound, round timing against a closed form, early stop at a target, wire bytes, determinism and
//! errors. The program is ridge regression by scheduled coordinate descent, written here so
//! sim-core's tests need no other crate.

use std::any::Any;

use rand::Rng;
use sim_core::platform::LinkSpec;
use sim_core::program::{Commit, ModelParallelProgram, Partial, Schedule, Task};
use sim_core::rng::{stream, StreamKind};
use sim_core::runtime::strads::{self, StradsConfig, StradsDeployment, StradsError, StradsRun};
use sim_core::{
    BytesPerSec, ComputeDevice, FlopPerSec, LinkFault, NodeId, Platform, SimDuration, SimTime, StragglerModel, Work,
};

/// `min_β ½‖y − Xβ‖² + ½μ‖β‖²` by coordinate descent: each round updates `set` coordinates in
/// round-robin order; workers hold contiguous row shards and their residual slices. Every step
/// charges a fixed amount of work, so round times have a closed form.
struct RidgeCd {
    /// Rows of `X`, `n × p`.
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    mu: f64,
    workers: usize,
    set: usize,
    /// Row range of each worker.
    shards: Vec<std::ops::Range<usize>>,
    /// FLOPs charged by schedule, push, pull and apply.
    cost: [u64; 4],
    /// Return one task too few (a broken program).
    broken: bool,
    /// Commit a NaN coefficient in this round (a diverging program).
    poison: Option<u64>,
}

/// The scheduler's model: `β`, and a log of `(round, worker, commits applied before the push)`.
struct Model {
    beta: Vec<f64>,
    log: Vec<(u64, usize, u64)>,
}

struct WorkerState {
    residual: Vec<f64>,
    applied: u64,
}

impl RidgeCd {
    fn new(n: usize, p: usize, workers: usize, set: usize) -> Self {
        let mut rng = stream(11, StreamKind::Test, 0);
        let x: Vec<Vec<f64>> = (0..n).map(|_| (0..p).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect()).collect();
        let y = x.iter().map(|r| r.iter().enumerate().map(|(j, v)| v * (j % 3) as f64).sum::<f64>()).collect();
        let shards = (0..workers).map(|w| w * n / workers..(w + 1) * n / workers).collect();
        RidgeCd { x, y, mu: 0.1, workers, set, shards, cost: [0; 4], broken: false, poison: None }
    }

    fn p(&self) -> usize {
        self.x[0].len()
    }

    fn vars(&self, round: u64) -> Vec<u32> {
        (0..self.set).map(|k| ((round as usize * self.set + k) % self.p()) as u32).collect()
    }

    /// Plain sequential cyclic coordinate descent, `rounds · set` coordinate updates.
    fn sequential(&self, updates: usize) -> Vec<f64> {
        let p = self.p();
        let mut beta = vec![0.0; p];
        let mut r = self.y.clone();
        for u in 0..updates {
            let j = u % p;
            let a: f64 = self.x.iter().zip(&r).map(|(row, ri)| row[j] * (ri + row[j] * beta[j])).sum();
            let b: f64 = self.x.iter().map(|row| row[j] * row[j]).sum();
            let new = a / (b + self.mu);
            let d = new - beta[j];
            beta[j] = new;
            for (row, ri) in self.x.iter().zip(r.iter_mut()) {
                *ri -= row[j] * d;
            }
        }
        beta
    }
}

fn flops(f: u64) -> Work {
    Work { flops: f, bytes: 0 }
}

impl ModelParallelProgram for RidgeCd {
    fn name(&self) -> String {
        "ridge CD".into()
    }
    fn objective_name(&self) -> String {
        "ridge objective".into()
    }
    fn workers(&self) -> usize {
        self.workers
    }
    fn initial_model(&self) -> Box<dyn Any + Send> {
        Box::new(Model { beta: vec![0.0; self.p()], log: Vec::new() })
    }
    fn initial_scheduler_state(&self) -> Box<dyn Any + Send> {
        Box::new(())
    }
    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send> {
        Box::new(WorkerState { residual: self.y[self.shards[worker].clone()].to_vec(), applied: 0 })
    }
    fn schedule(&self, round: u64, _state: &mut dyn Any, model: &dyn Any) -> Schedule {
        let model = model.downcast_ref::<Model>().unwrap();
        let vars = self.vars(round);
        let values = vars.iter().map(|&j| model.beta[j as usize]).collect::<Vec<_>>();
        let n = if self.broken { self.workers - 1 } else { self.workers };
        Schedule {
            tasks: (0..n).map(|_| Task { vars: vars.clone(), values: values.clone() }).collect(),
            work: flops(self.cost[0]),
        }
    }
    fn push(&self, worker: usize, _round: u64, task: &Task, state: &mut dyn Any) -> Partial {
        let st = state.downcast_mut::<WorkerState>().unwrap();
        let rows = &self.x[self.shards[worker].clone()];
        let mut values: Vec<f64> = task
            .vars
            .iter()
            .zip(&task.values)
            .map(|(&j, &bj)| {
                rows.iter().zip(&st.residual).map(|(row, ri)| row[j as usize] * (ri + row[j as usize] * bj)).sum()
            })
            .collect();
        values.push(st.applied as f64);
        Partial { values, work: flops(self.cost[1]) }
    }
    fn pull(
        &self,
        round: u64,
        schedule: &Schedule,
        partials: &[Option<Partial>],
        model: &mut dyn Any,
        _state: &mut dyn Any,
    ) -> Commit {
        let model = model.downcast_mut::<Model>().unwrap();
        let vars = &schedule.tasks[0].vars;
        let mut deltas = Vec::with_capacity(vars.len());
        for (k, &j) in vars.iter().enumerate() {
            let a: f64 = partials.iter().map(|p| p.as_ref().unwrap().values[k]).sum();
            let b: f64 = self.x.iter().map(|row| row[j as usize] * row[j as usize]).sum();
            let new = a / (b + self.mu);
            deltas.push(new - model.beta[j as usize]);
            model.beta[j as usize] = new;
        }
        if self.poison == Some(round) {
            model.beta[0] = f64::NAN;
        }
        for (w, p) in partials.iter().enumerate() {
            model.log.push((round, w, *p.as_ref().unwrap().values.last().unwrap() as u64));
        }
        Commit { values: deltas, work: flops(self.cost[2]), parallelization_error: 0.0 }
    }
    fn apply(&self, worker: usize, _round: u64, task: &Task, commit: &Commit, state: &mut dyn Any) -> Work {
        let st = state.downcast_mut::<WorkerState>().unwrap();
        let rows = &self.x[self.shards[worker].clone()];
        for (&j, d) in task.vars.iter().zip(&commit.values) {
            for (row, ri) in rows.iter().zip(st.residual.iter_mut()) {
                *ri -= row[j as usize] * d;
            }
        }
        st.applied += 1;
        flops(self.cost[3])
    }
    fn objective(&self, model: &dyn Any) -> f64 {
        let beta = &model.downcast_ref::<Model>().unwrap().beta;
        let rss: f64 = self
            .x
            .iter()
            .zip(&self.y)
            .map(|(row, y)| (y - row.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>()).powi(2))
            .sum();
        0.5 * rss + 0.5 * self.mu * beta.iter().map(|b| b * b).sum::<f64>()
    }
}

/// 1 GFLOP/s, no launch overhead, unlimited memory bandwidth: `f` FLOPs take `f` ns.
fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1_000_000_000),
        efficiency: 1.0,
        memory_bytes: 1 << 30,
        memory_bandwidth: BytesPerSec(u64::MAX / 4),
        launch_overhead: SimDuration::ZERO,
    }
}

/// A star of `hosts` hosts: 10 Gb/s, 2 µs links, 500 ns switch.
fn star(hosts: usize) -> (Platform, Vec<NodeId>) {
    let mut p = Platform::new();
    let sw = p.add_switch("switch", SimDuration::from_ns(500), 0);
    let hs: Vec<NodeId> = (0..hosts).map(|i| p.add_host(format!("host{i}"), device(), 0)).collect();
    for &h in &hs {
        p.connect(h, sw, &LinkSpec::new(BytesPerSec(1_250_000_000), SimDuration::from_us(2)));
    }
    (p, hs)
}

fn run(program: &RidgeCd, config: &StradsConfig) -> Result<StradsRun, StradsError> {
    let (platform, hosts) = star(program.workers + 1);
    let deployment = StradsDeployment { scheduler: hosts[0], workers: hosts[1..].to_vec() };
    strads::run(&platform, &deployment, program, config, &StragglerModel::None, 3)
}

fn beta(run: &StradsRun) -> &[f64] {
    &run.final_model.downcast_ref::<Model>().unwrap().beta
}

#[test]
fn without_pipelining_one_worker_and_set_size_one_is_sequential_coordinate_descent() {
    let program = RidgeCd::new(60, 7, 1, 1);
    let config = StradsConfig { rounds: 50, ..StradsConfig::default() };
    let out = run(&program, &config).unwrap();
    // Bit for bit: the runtime adds one partial to nothing and computes what the plain loop does.
    assert_eq!(beta(&out), program.sequential(50).as_slice());
    assert_eq!(out.rounds.len(), 50);
    assert_eq!(out.convergence.len(), 51);
    assert!(out.convergence.windows(2).all(|w| w[1].objective <= w[0].objective + 1e-12), "CD never increases");

    // Three workers: the same up to the order of summation over shards.
    let program = RidgeCd::new(60, 7, 3, 1);
    let out = run(&program, &config).unwrap();
    for (a, b) in beta(&out).iter().zip(program.sequential(50)) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
}

#[test]
fn pushes_see_every_commit_older_than_the_pipeline_depth() {
    for depth in 0..4u32 {
        let mut program = RidgeCd::new(60, 9, 3, 2);
        program.cost = [200, 3_000, 200, 500];
        let config = StradsConfig { rounds: 40, pipeline_depth: depth, ..StradsConfig::default() };
        let out = run(&program, &config).unwrap();
        let log = &out.final_model.downcast_ref::<Model>().unwrap().log;
        assert_eq!(log.len(), 40 * 3);
        let mut stale = 0;
        for &(round, w, applied) in log {
            // Every worker takes part in every round, so it must have applied rounds 0 .. round − depth.
            assert!(
                applied + u64::from(depth) >= round,
                "depth {depth}: worker {w} pushed round {round} after {applied} commits"
            );
            assert!(applied <= round, "a commit from the future");
            stale += u64::from(applied < round);
        }
        if depth == 0 {
            assert_eq!(stale, 0);
        } else {
            assert!(stale > 0, "depth {depth}: no push ever ran ahead of a commit, the pipeline is not exercised");
        }
        // Rounds are committed in order and no more than depth + 1 are in flight.
        for (k, r) in out.rounds.iter().enumerate() {
            assert_eq!(r.round, k as u64);
            if let Some(next) = out.rounds.get(k + depth as usize + 1) {
                assert!(
                    next.dispatched >= r.committed,
                    "depth {depth}: round {} dispatched before {} committed",
                    next.round,
                    r.round
                );
            }
        }
    }
}

#[test]
fn round_time_matches_the_closed_form() {
    // Zero-byte messages take exactly the route latency: 2 µs + 0.5 µs + 2 µs.
    let lat = 4_500_000u64; // ps
    let mut program = RidgeCd::new(40, 5, 2, 1);
    let (s, p, q, a) = (3_000u64, 7_000, 2_000, 1_000); // FLOPs = ns
    program.cost = [s, p, q, a];
    let config =
        StradsConfig { rounds: 12, message_overhead_bytes: 0, key_bytes: 0, value_bytes: 0, ..StradsConfig::default() };
    let out = run(&program, &config).unwrap();
    let ns = 1_000u64;
    // Schedule, task, push, partial, pull; the next task leaves `s` after the commit, which the
    // worker applies meanwhile (a < s).
    let period = s * ns + lat + p * ns + lat + q * ns;
    for r in &out.rounds {
        assert_eq!(r.committed, SimTime((r.round + 1) * period), "round {}", r.round);
        assert_eq!(r.dispatched, SimTime(r.round * period + s * ns), "round {}", r.round);
    }
    assert_eq!(out.end_time, SimTime(12 * period + lat + a * ns));
    assert_eq!(out.schedule_time, SimDuration::from_ns(12 * s));
    assert_eq!(out.pull_time, SimDuration::from_ns(12 * q));
    for w in &out.workers {
        assert_eq!(w.push, SimDuration::from_ns(12 * p));
        assert_eq!(w.apply, SimDuration::from_ns(12 * a));
        assert_eq!(w.tasks, 12);
    }

    // Pipelining overlaps the round trip with the next round's scheduling and compute.
    let piped = run(&program, &StradsConfig { pipeline_depth: 1, ..config.clone() }).unwrap();
    assert!(
        piped.end_time.as_secs_f64() < 0.75 * out.end_time.as_secs_f64(),
        "depth 1: {:?} vs {:?}",
        piped.end_time,
        out.end_time
    );
}

#[test]
fn wire_bytes_follow_the_message_sizes() {
    let program = RidgeCd::new(40, 6, 3, 2);
    let config = StradsConfig { rounds: 5, ..StradsConfig::default() };
    let out = run(&program, &config).unwrap();
    // Task: 64 + 4·2 ids + 4·2 values; partial: 64 + 4·3 values; commit: 64 + 4·2 values.
    let per_round = 3 * ((64 + 8 + 8) + (64 + 12) + (64 + 8));
    assert_eq!(out.bytes_sent, 5 * per_round);
    assert_eq!(out.workers.iter().map(|w| w.bytes).sum::<u64>(), out.bytes_sent);
}

#[test]
fn stops_at_the_target_objective_after_draining_the_pipeline() {
    let program = RidgeCd::new(60, 7, 2, 2);
    let full = run(&program, &StradsConfig { rounds: 200, ..StradsConfig::default() }).unwrap();
    let target = full.convergence[30].objective;
    let config =
        StradsConfig { rounds: 200, pipeline_depth: 2, target_objective: Some(target), ..StradsConfig::default() };
    let out = run(&program, &config).unwrap();
    assert!(out.reached_target);
    let last = out.convergence.last().unwrap();
    assert!(last.objective <= target);
    assert!(out.rounds.len() < 200);
    assert_eq!(last.rounds, out.rounds.len() as u64, "the last commit is recorded");
    assert!(out.time_to(target).is_some());
}

#[test]
fn runs_are_deterministic() {
    let mut program = RidgeCd::new(50, 8, 4, 3);
    program.cost = [100, 2_000, 300, 400];
    let config = StradsConfig { rounds: 30, pipeline_depth: 2, ..StradsConfig::default() };
    let stragglers = StragglerModel::Bernoulli { prob: 0.3, slowdown: 4.0 };
    let (platform, hosts) = star(5);
    let deployment = StradsDeployment { scheduler: hosts[0], workers: hosts[1..].to_vec() };
    let a = strads::run(&platform, &deployment, &program, &config, &stragglers, 9).unwrap();
    let b = strads::run(&platform, &deployment, &program, &config, &stragglers, 9).unwrap();
    assert_eq!(a.convergence, b.convergence);
    assert_eq!(a.rounds, b.rounds);
    assert_eq!(a.workers, b.workers);
    assert_eq!(beta(&a), beta(&b));
    let c = strads::run(&platform, &deployment, &program, &config, &stragglers, 10).unwrap();
    assert_ne!(a.end_time, c.end_time, "the straggler seed matters");
}

#[test]
fn bad_deployments_and_programs_are_errors() {
    let program = RidgeCd::new(40, 5, 2, 1);
    let (platform, hosts) = star(3);
    let config = StradsConfig { rounds: 3, ..StradsConfig::default() };
    let none = StragglerModel::None;
    let d = StradsDeployment { scheduler: hosts[0], workers: hosts[1..2].to_vec() };
    assert!(matches!(strads::run(&platform, &d, &program, &config, &none, 0), Err(StradsError::Deployment(_))));
    // Node 0 is the switch.
    let d = StradsDeployment { scheduler: NodeId(0), workers: hosts[1..].to_vec() };
    assert!(matches!(strads::run(&platform, &d, &program, &config, &none, 0), Err(StradsError::Deployment(_))));
    let d = StradsDeployment { scheduler: hosts[0], workers: hosts[1..].to_vec() };
    let zero = StradsConfig { rounds: 0, ..config.clone() };
    assert!(matches!(strads::run(&platform, &d, &program, &zero, &none, 0), Err(StradsError::Config(_))));
    let mut broken = RidgeCd::new(40, 5, 2, 1);
    broken.broken = true;
    let err = strads::run(&platform, &d, &broken, &config, &none, 0).unwrap_err();
    assert!(matches!(err, StradsError::Program(_)), "{err}");
}

#[test]
fn a_diverging_run_stops_and_says_so() {
    let mut program = RidgeCd::new(40, 5, 2, 1);
    program.poison = Some(7);
    let out = run(&program, &StradsConfig { rounds: 100, pipeline_depth: 1, ..StradsConfig::default() }).unwrap();
    assert!(out.diverged);
    assert!(!out.reached_target);
    // Round 8 was already dispatched when round 7's commit showed the NaN; nothing after it.
    assert_eq!(out.rounds.len(), 9);
    assert!(out.convergence.last().unwrap().objective.is_nan());
    let fine = run(&RidgeCd::new(40, 5, 2, 1), &StradsConfig { rounds: 100, ..StradsConfig::default() }).unwrap();
    assert!(!fine.diverged);
}

/// System: every link of the star degraded to half its bandwidth from the start, against the intact
/// star with every message twice as large (overhead, keys and values doubled).
/// Expectation: a message's time is latency + bytes / rate in both, so every round commits at the same
/// picosecond and the model is bit-identical (the math does not see the network).
#[test]
fn a_degraded_network_is_a_network_of_larger_messages() {
    let program = RidgeCd::new(60, 7, 3, 2);
    let (platform, _) = star(program.workers + 1);
    let all_links =
        (0..platform.links.len() as u32).map(|l| (SimTime::ZERO, sim_core::LinkId(l), LinkFault::Degrade(0.5)));
    let degraded = StradsConfig { rounds: 30, link_faults: all_links.collect(), ..StradsConfig::default() };
    let doubled = StradsConfig {
        rounds: 30,
        value_bytes: 8,
        key_bytes: 8,
        message_overhead_bytes: 128,
        ..StradsConfig::default()
    };
    let (a, b) = (run(&program, &degraded).unwrap(), run(&program, &doubled).unwrap());
    assert_eq!(beta(&a), beta(&b));
    let commits = |r: &StradsRun| r.rounds.iter().map(|x| x.committed).collect::<Vec<_>>();
    assert_eq!(commits(&a), commits(&b));
    assert_eq!(a.end_time, b.end_time);
    let intact = run(&program, &StradsConfig { rounds: 30, ..StradsConfig::default() }).unwrap();
    assert!(intact.end_time < a.end_time);
    assert_eq!(a.network_audit.flows_rerouted, 0);
}

/// System: a worker's only cable fails mid-run (a star has no other path).
/// Expectation: the run stops with an error naming the message's flow, the worker's host and the link;
/// degrading the same cable instead only slows the run.
#[test]
fn a_worker_cut_off_by_a_failed_link_fails_the_run_naming_the_flow() {
    let program = RidgeCd::new(60, 7, 3, 2);
    let (platform, hosts) = star(program.workers + 1);
    let intact = run(&program, &StradsConfig { rounds: 30, ..StradsConfig::default() }).unwrap();
    let mid = SimTime(intact.end_time.0 / 2);
    let cable = |fault| {
        let up = platform.out_links[hosts[2].index()][0];
        let down = platform.links.iter().position(|l| l.src == platform.links[up.index()].dst && l.dst == hosts[2]);
        vec![(mid, up, fault), (mid, sim_core::LinkId(down.unwrap() as u32), fault)]
    };
    let failed = StradsConfig { rounds: 30, link_faults: cable(LinkFault::Fail), ..StradsConfig::default() };
    match run(&program, &failed) {
        Err(StradsError::FlowFailed(m)) => {
            assert!(m.contains("host2") && m.contains("is down and no other route joins its ends"), "{m}")
        }
        other => panic!("expected a failed flow, got {:?}", other.map(|r| r.end_time)),
    }
    let slow = StradsConfig { rounds: 30, link_faults: cable(LinkFault::Degrade(0.1)), ..StradsConfig::default() };
    let out = run(&program, &slow).unwrap();
    assert!(out.end_time > intact.end_time);
    assert_eq!(beta(&out), beta(&intact));
}
