//! Gaia's Approximate Synchronous Parallel: nothing significant is lost or applied twice, the
//! mirror clock bounds how far a data center runs ahead, the significance filter and selective
//! barrier do what they claim, and one data center is exactly the ordinary parameter server.

use sim_core::platform::LinkSpec;
use sim_core::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use sim_core::runtime::ps::{self, AspConfig, Consistency, PsConfig, PsDeployment, PsRun};
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, NodeId, Platform, SimDuration, StragglerModel, Work};

/// Updates that do not depend on the parameters, so the total of all updates is known exactly:
/// worker `w` at clock `c` adds `delta(w, c, row)` to every row. Deltas are small dyadic rationals
/// so every sum is exact in f64 whatever the order. Rows start at 1, so relative changes are small
/// and the 1 % filter holds many of them back.
struct Drift {
    workers: usize,
    rows: u32,
}

impl Drift {
    fn delta(w: usize, c: u64, row: u32) -> f64 {
        // In (−1/64, 1/64], multiples of 2⁻²⁰; some rows get tiny increments, some large.
        let h = (w as u64 * 1_000_003 + c * 7_919 + row as u64 * 104_729) % 2_048;
        (h as f64 - 1_023.0) / 65_536.0 * if row % 3 == 0 { 1.0 / 64.0 } else { 1.0 }
    }

    fn expected_total(&self, clocks: u64) -> Vec<f64> {
        (0..self.rows)
            .map(|r| {
                let mut v = 1.0;
                for w in 0..self.workers {
                    for c in 0..clocks {
                        v += Self::delta(w, c, r);
                    }
                }
                v
            })
            .collect()
    }
}

impl DataParallelProgram for Drift {
    fn name(&self) -> String {
        "drift".into()
    }
    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec { name: "x".into(), rows: self.rows, width: 1 }]
    }
    fn initial_params(&self) -> Params {
        let mut p = Params::zeros(&self.tables());
        p.table_mut(0).fill(1.0);
        p
    }
    fn workers(&self) -> usize {
        self.workers
    }
    fn rows_needed(&self, _worker: usize, _clock: u64) -> Vec<RowRef> {
        (0..self.rows).map(|row| RowRef { table: 0, row }).collect()
    }
    fn compute(&self, worker: usize, clock: u64, _params: &Params, _state: &mut dyn std::any::Any) -> Step {
        let updates = (0..self.rows)
            .map(|row| RowDelta { row: RowRef { table: 0, row }, delta: vec![Self::delta(worker, clock, row)] });
        Step { updates: updates.collect(), work: Work { flops: 2_000_000, bytes: 0 } }
    }
    fn objective(&self, params: &Params) -> f64 {
        params.table(0).iter().map(|v| v * v).sum()
    }
    fn objective_name(&self) -> String {
        "sum of squares".into()
    }
}

fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1_000_000_000),
        efficiency: 1.0,
        memory_bytes: 1 << 30,
        memory_bandwidth: BytesPerSec(10_000_000_000),
        launch_overhead: SimDuration::ZERO,
    }
}

/// `dcs` data centers of `hosts` hosts on a 10 Gbps star each; the switches fully meshed by WAN
/// cables of `wan_bps` bytes/s and 20 ms. Host `h` of data center `d` is `NodeId(d · hosts + h)`.
fn geo(dcs: usize, hosts: usize, wan_bps: u64) -> Platform {
    let mut p = Platform::new();
    let hs: Vec<Vec<NodeId>> = (0..dcs)
        .map(|d| (0..hosts).map(|h| p.add_host(format!("dc{d}/host{h}"), device(), d as u32)).collect())
        .collect();
    let sws: Vec<NodeId> =
        (0..dcs).map(|d| p.add_switch(format!("dc{d}/switch"), SimDuration::from_ns(500), d as u32)).collect();
    for d in 0..dcs {
        for &h in &hs[d] {
            p.connect(h, sws[d], &LinkSpec::new(BytesPerSec(1_250_000_000), SimDuration::from_us(5)));
        }
    }
    for a in 0..dcs {
        for b in a + 1..dcs {
            p.connect(sws[a], sws[b], &LinkSpec::new(BytesPerSec(wan_bps), SimDuration::from_ms(20)));
        }
    }
    p
}

/// In each data center, the first `workers` hosts run workers and the next `shards` run shards.
fn deployment(dcs: usize, hosts: usize, workers: usize, shards: usize) -> Vec<PsDeployment> {
    (0..dcs)
        .map(|d| {
            let h = |i: usize| NodeId((d * hosts + i) as u32);
            PsDeployment {
                workers: (0..workers).map(h).collect(),
                servers: (workers..workers + shards).map(h).collect(),
            }
        })
        .collect()
}

struct Setup {
    dcs: usize,
    workers_per_dc: usize,
    consistency: Consistency,
    asp: AspConfig,
    stragglers: StragglerModel,
    clocks: u64,
    wan_bps: u64,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            dcs: 3,
            workers_per_dc: 2,
            consistency: Consistency::Ssp { staleness: 2 },
            asp: AspConfig::default(),
            stragglers: StragglerModel::None,
            clocks: 30,
            wan_bps: 2_000_000,
        }
    }
}

fn run(s: &Setup) -> (Drift, PsRun) {
    let hosts = s.workers_per_dc + 2;
    let program = Drift { workers: s.dcs * s.workers_per_dc, rows: 40 };
    let platform = geo(s.dcs, hosts, s.wan_bps);
    let config = PsConfig { consistency: s.consistency, clocks: s.clocks, ..PsConfig::default() };
    let run = ps::run_gaia(
        &platform,
        &deployment(s.dcs, hosts, s.workers_per_dc, 2),
        &program,
        &config,
        &s.asp,
        &s.stragglers,
        7,
        &|_| {},
    )
    .expect("valid run");
    (program, run)
}

#[test]
fn no_significant_update_is_lost_or_applied_twice() {
    for (consistency, threshold, barrier) in [
        (Consistency::Bsp, 0.01, true),
        (Consistency::Ssp { staleness: 2 }, 0.01, true),
        (Consistency::Ssp { staleness: 2 }, 0.05, false),
        (Consistency::Essp { staleness: 1 }, 0.01, true),
        (Consistency::Ssp { staleness: 0 }, 0.0, true),
    ] {
        let setup = Setup {
            consistency,
            asp: AspConfig { threshold, selective_barrier: barrier, mirror_slack: 1 },
            ..Setup::default()
        };
        let (program, run) = run(&setup);
        let stats = run.asp.as_ref().expect("ASP statistics");
        let label = format!("{} threshold {threshold}", consistency.label());
        assert!(stats.significant > 0, "{label}: something was significant");
        assert_eq!(stats.applied_at_mirrors, stats.significant * (setup.dcs as u64 - 1), "{label}");
        let expected = program.expected_total(setup.clocks);
        // Every data center's model, plus what the others never sent, is every update exactly once.
        for d in 0..setup.dcs {
            let mut total = run.dc_params[d].clone();
            for e in (0..setup.dcs).filter(|&e| e != d) {
                for (t, u) in total.table_mut(0).iter_mut().zip(run.dc_unsent[e].table(0)) {
                    *t += u;
                }
            }
            assert_eq!(total.table(0), &expected[..], "{label}: data center {d}");
        }
        if threshold == 0.0 {
            assert!(run.dc_unsent.iter().all(|u| u.table(0).iter().all(|&v| v == 0.0)), "{label}: nothing held back");
            assert_eq!(stats.significant, stats.checked, "{label}");
            for d in 1..setup.dcs {
                assert_eq!(run.dc_params[d], run.dc_params[0], "{label}: every model equal once all arrived");
            }
        } else {
            assert!(stats.significant < stats.checked, "{label}: the filter held some updates back");
            assert!(run.dc_unsent.iter().any(|u| u.table(0).iter().any(|&v| v != 0.0)), "{label}");
        }
    }
}

#[test]
fn the_mirror_clock_bounds_how_far_a_data_center_runs_ahead() {
    // Data center 1's workers are 6× slower: the others run ahead exactly as far as allowed.
    for (consistency, slack) in
        [(Consistency::Bsp, 0), (Consistency::Ssp { staleness: 2 }, 0), (Consistency::Ssp { staleness: 1 }, 3)]
    {
        let s = consistency.staleness_bound().expect("bounded");
        let setup = Setup {
            consistency,
            asp: AspConfig { mirror_slack: slack, ..AspConfig::default() },
            stragglers: StragglerModel::Persistent { workers: vec![2, 3], slowdown: 6.0 },
            wan_bps: 100_000_000,
            ..Setup::default()
        };
        let (_, run) = run(&setup);
        let lead = run.asp.as_ref().expect("ASP").max_mirror_lead;
        assert_eq!(lead, s + slack, "{} with mirror slack {slack}", consistency.label());
        assert_eq!(run.staleness_violations, 0);
    }
}

#[test]
fn a_higher_threshold_sends_less() {
    let bytes = |threshold: f64| {
        let (_, run) = run(&Setup { asp: AspConfig { threshold, ..AspConfig::default() }, ..Setup::default() });
        let stats = run.asp.expect("ASP");
        (stats.mirror_bytes, stats.significant_share())
    };
    let (all, share_all) = bytes(0.0);
    let (one, share_one) = bytes(0.01);
    let (ten, share_ten) = bytes(0.10);
    assert_eq!(share_all, 1.0);
    assert!(share_one < 1.0 && share_ten < share_one, "shares {share_one} {share_ten}");
    assert!(all > one && one > ten, "mirror bytes {all} {one} {ten}");
}

#[test]
fn the_selective_barrier_holds_reads_of_announced_rows_only_when_on() {
    let held = |barrier: bool| {
        let setup = Setup {
            consistency: Consistency::Ssp { staleness: 3 },
            asp: AspConfig { threshold: 0.0, selective_barrier: barrier, mirror_slack: 2 },
            wan_bps: 200_000,
            ..Setup::default()
        };
        run(&setup).1.asp.expect("ASP").barrier_held_reads
    };
    assert!(held(true) > 0);
    assert_eq!(held(false), 0);
}

#[test]
fn one_data_center_is_the_ordinary_parameter_server() {
    let program = Drift { workers: 3, rows: 40 };
    let platform = geo(1, 5, 1);
    let dcs = deployment(1, 5, 3, 2);
    for consistency in [Consistency::Bsp, Consistency::Ssp { staleness: 2 }, Consistency::Essp { staleness: 1 }] {
        let config = PsConfig { consistency, clocks: 12, ..PsConfig::default() };
        let plain = ps::run(&platform, &dcs[0], &program, &config, &StragglerModel::None, 3).expect("valid");
        let gaia =
            ps::run_gaia(&platform, &dcs, &program, &config, &AspConfig::default(), &StragglerModel::None, 3, &|_| {})
                .expect("valid");
        assert_eq!(gaia.convergence, plain.convergence);
        assert_eq!(gaia.worker_clocks, plain.worker_clocks);
        assert_eq!(gaia.final_params, plain.final_params);
        assert_eq!(gaia.asp.expect("ASP").mirror_bytes, 0);
    }
}

#[test]
fn gaia_runs_are_deterministic() {
    let setup = Setup { stragglers: StragglerModel::Bernoulli { prob: 0.3, slowdown: 4.0 }, ..Setup::default() };
    let (_, a) = run(&setup);
    let (_, b) = run(&setup);
    assert_eq!(a, b);
}

#[test]
fn bad_gaia_setups_are_errors() {
    let program = Drift { workers: 4, rows: 8 };
    let platform = geo(2, 4, 1_000_000);
    let config = PsConfig::default();
    let ok = deployment(2, 4, 2, 2);
    let go = |dcs: &[PsDeployment], config: &PsConfig, asp: &AspConfig| {
        ps::run_gaia(&platform, dcs, &program, config, asp, &StragglerModel::None, 1, &|_| {}).map(|_| ())
    };
    assert!(go(&ok, &config, &AspConfig::default()).is_ok());
    let mut unequal = ok.clone();
    unequal[1].servers.pop();
    assert!(matches!(go(&unequal, &config, &AspConfig::default()), Err(ps::PsError::Deployment(_))));
    let asynchronous = PsConfig { consistency: Consistency::Async, ..config.clone() };
    assert!(matches!(go(&ok, &asynchronous, &AspConfig::default()), Err(ps::PsError::Config(_))));
    let negative = AspConfig { threshold: -0.1, ..AspConfig::default() };
    assert!(matches!(go(&ok, &config, &negative), Err(ps::PsError::Config(_))));
    assert!(matches!(go(&[], &config, &AspConfig::default()), Err(ps::PsError::Deployment(_))));
}
