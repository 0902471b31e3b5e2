//! Failures and recovery from checkpoints: the timeline of a job of `n` steps (training iterations,
//! clocks) that writes a checkpoint every `k` steps and, when a device fails, restarts from its last
//! checkpoint after a restart delay.
//!
//! The model is the one of Young (1974) and Daly (2006, "A higher order estimate of the optimum
//! checkpoint interval for restart dumps", FGCS 22(3)): work since the last completed checkpoint is
//! lost; a restart (detecting the failure, replacing the device, loading the checkpoint) takes a fixed
//! time, and a failure during a restart or a checkpoint restarts again from the last completed
//! checkpoint. With failures from a Poisson process of mean time between failures `M`, a segment of
//! `s` seconds of work and checkpoint then takes `M e^{R/M} (e^{s/M} − 1)` seconds in expectation
//! (Daly, eq. 11); `tests/faults.rs` checks the timeline against that closed form.
//!
//! Steps are atomic for failures: the job's time per step comes from a simulation of one step, and a
//! failure anywhere within a step loses it, as it loses the steps before it back to the checkpoint.
//!
//! A step's time depends only on the step (`step_time` is called with its start time too, but the
//! callers in this repository ignore it): a replayed step takes exactly as long as its first execution.
//! Every executed phase, including those a failure later discards, is kept in [`Timeline::spans`], so a
//! caller can place what it measured per step (a parameter-server run's objective after each clock) on
//! the job's wall clock, once per execution.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;

use crate::rng::{stream, StreamKind};
use crate::time::{SimDuration, SimTime};

/// How a job checkpoints and restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// Steps between checkpoints; a checkpoint follows steps `k, 2k, …` but not the job's last step.
    /// `0`: the job never checkpoints and restarts from its first step.
    pub every: u64,
    /// Time to write one checkpoint, during which the job makes no progress [ps].
    pub cost: SimDuration,
    /// Time from a failure until the job runs again: detection, replacement, loading the checkpoint [ps].
    pub restart: SimDuration,
}

/// What the job was doing when a failure hit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Running step `n` (from 0).
    Step(u64),
    /// Writing the checkpoint after this many steps.
    Checkpoint(u64),
    /// Restarting after an earlier failure.
    Restart,
}

impl Phase {
    /// The phase in a report's words: `step` (what the job calls a step, e.g. `"iteration"`),
    /// `"checkpoint"` or `"restart"`.
    pub fn label(self, step: &'static str) -> &'static str {
        match self {
            Phase::Step(_) => step,
            Phase::Checkpoint(_) => "checkpoint",
            Phase::Restart => "restart",
        }
    }
}

/// One failure and what it cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureRecord {
    /// When it hit [ps].
    pub at: SimTime,
    /// What it interrupted.
    pub during: Phase,
    /// Steps completed when it hit.
    pub steps_done: u64,
    /// Steps the job resumes from (the last checkpoint's).
    pub resumed_from: u64,
    /// Work discarded: time since the last checkpoint (or restart) completed [ps], including a partial
    /// checkpoint; zero for a failure during a restart.
    pub lost_work: SimDuration,
    /// When the job was back where the failure found it (again `steps_done` steps done and running):
    /// `recovered_at − at` is the failure's time to recover. `Some` in every returned timeline.
    pub recovered_at: Option<SimTime>,
    /// When the job was back at the exact point the failure interrupted: as far into the same step (or
    /// checkpoint) as the failure found it, or, for a failure during a restart, running again. Since a
    /// replayed step repeats its first execution, this is `at + restart + lost_work` unless another failure
    /// intervenes (a failure during a restart: when the next restart completes) [ps]. `Some` in every
    /// returned timeline.
    pub caught_up_at: Option<SimTime>,
}

/// One phase the job executed, completed or cut short by a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// What the job did.
    pub phase: Phase,
    /// When it started [ps].
    pub start: SimTime,
    /// When it completed, or when a failure cut it short [ps].
    pub end: SimTime,
    /// The failure (index into [`Timeline::failures`]) that cut it short; `None` if it completed.
    pub failure: Option<usize>,
}

/// The course of a job through checkpoints, failures and restarts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// When the last step completed [ps].
    pub end: SimTime,
    /// Steps of the job.
    pub steps: u64,
    /// Time spent on steps that were kept [ps].
    pub useful: SimDuration,
    /// Checkpoints completed.
    pub checkpoints: u64,
    /// Time spent writing checkpoints that completed [ps].
    pub checkpoint_time: SimDuration,
    /// Time spent on work later discarded by failures (steps and partial checkpoints) [ps].
    pub lost_work: SimDuration,
    /// Time spent restarting, interrupted restarts included [ps].
    pub restart_time: SimDuration,
    /// Every failure, in time order.
    pub failures: Vec<FailureRecord>,
    /// Steps completed (kept or not yet lost) after each change, from `(0, 0)`: a staircase that drops
    /// back at each failure, for plots.
    pub progress: Vec<(SimTime, u64)>,
    /// Every phase executed, in time order: each span starts where the previous one ended, from time 0 to
    /// [`Timeline::end`]. Steps later discarded by a failure are included.
    pub spans: Vec<Span>,
}

/// Why a timeline cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// Failures come faster than the job can make progress.
    #[error(
        "the job never completes: {failures} failures by {at}, at {steps_done} of {steps} steps \
         (failures are too frequent for the checkpoint interval and restart time)"
    )]
    NeverCompletes {
        /// Failures seen before giving up.
        failures: usize,
        /// When [ps].
        at: SimTime,
        /// Steps done then.
        steps_done: u64,
        /// Steps of the job.
        steps: u64,
    },
}

/// Most failures a timeline follows before it declares the job unable to complete.
pub const MAX_FAILURES: usize = 100_000;

/// The failure times of a Poisson process of `devices` devices, each failing with mean time between
/// failures `mtbf_s` [s] (a device's MTBF is often longer than the picosecond clock spans), drawn from the
/// fault stream of `seed` (`StreamKind::Fault`, index `index`): exponential gaps of mean `mtbf_s / devices`,
/// rounded up to the picosecond, ascending and unbounded (saturating at the end of time).
///
/// # Panics
/// If `devices` is 0 or `mtbf_s` is not a positive finite number.
pub fn poisson_failures(seed: u64, index: u32, mtbf_s: f64, devices: u64) -> impl Iterator<Item = SimTime> {
    assert!(devices > 0 && mtbf_s.is_finite() && mtbf_s > 0.0, "a failure rate needs devices and a positive MTBF");
    let mean_ps = mtbf_s * 1e12 / devices as f64;
    let mut rng = stream(seed, StreamKind::Fault, index);
    let mut t = SimTime::ZERO;
    std::iter::from_fn(move || {
        // 1 − U is in (0, 1]: the logarithm is finite.
        let u: f64 = 1.0 - rng.random::<f64>();
        let gap = (-u.ln() * mean_ps).ceil().min(u64::MAX as f64) as u64;
        t = SimTime(t.0.saturating_add(gap.max(1)));
        Some(t)
    })
}

/// Follows a job of `steps` steps from time 0: step `i` takes `step_time(i, start)`, checkpoints and
/// restarts follow `policy`, and the job fails at each time of `failures` (ascending; times past the
/// end are never drawn).
///
/// # Errors
/// [`FaultError::NeverCompletes`] after [`MAX_FAILURES`] failures, or when time would overflow.
pub fn timeline(
    steps: u64,
    step_time: &mut dyn FnMut(u64, SimTime) -> SimDuration,
    policy: CheckpointPolicy,
    failures: &mut dyn Iterator<Item = SimTime>,
) -> Result<Timeline, FaultError> {
    let mut out = Timeline {
        end: SimTime::ZERO,
        steps,
        useful: SimDuration::ZERO,
        checkpoints: 0,
        checkpoint_time: SimDuration::ZERO,
        lost_work: SimDuration::ZERO,
        restart_time: SimDuration::ZERO,
        failures: Vec::new(),
        progress: vec![(SimTime::ZERO, 0)],
        spans: Vec::new(),
    };
    let mut t = SimTime::ZERO;
    let (mut done, mut committed) = (0u64, 0u64);
    // Start of the work the next failure would discard; its kept part is moved to `useful` at a checkpoint.
    let mut since_commit = SimTime::ZERO;
    let mut uncommitted_steps = SimDuration::ZERO;
    let mut restarting = false;
    let mut pending = BinaryHeap::new();
    let mut next_failure = failures.next();
    let never =
        |t: SimTime, n: usize, done: u64| FaultError::NeverCompletes { failures: n, at: t, steps_done: done, steps };
    while done < steps || restarting {
        let checkpoint_due = policy.every > 0 && done > committed && done % policy.every == 0;
        let (phase, duration) = if restarting {
            (Phase::Restart, policy.restart)
        } else if checkpoint_due {
            (Phase::Checkpoint(done), policy.cost)
        } else {
            (Phase::Step(done), step_time(done, t))
        };
        let end = t.0.checked_add(duration.0).map(SimTime).ok_or_else(|| never(t, out.failures.len(), done))?;
        match next_failure.filter(|&f| f < end) {
            Some(f) => {
                let f = f.max(t);
                let lost = if restarting { SimDuration::ZERO } else { f.since(since_commit) };
                if restarting {
                    out.restart_time.0 += f.since(t).0;
                } else {
                    out.lost_work.0 += lost.0;
                }
                out.spans.push(Span { phase, start: t, end: f, failure: Some(out.failures.len()) });
                pending.push(Reverse((done, out.failures.len())));
                out.failures.push(FailureRecord {
                    at: f,
                    during: phase,
                    steps_done: done,
                    resumed_from: committed,
                    lost_work: lost,
                    recovered_at: None,
                    caught_up_at: None,
                });
                if out.failures.len() >= MAX_FAILURES {
                    return Err(never(f, out.failures.len(), done));
                }
                done = committed;
                uncommitted_steps = SimDuration::ZERO;
                out.progress.push((f, done));
                t = f;
                restarting = true;
                next_failure = failures.next();
            }
            None => {
                out.spans.push(Span { phase, start: t, end, failure: None });
                t = end;
                match phase {
                    Phase::Restart => {
                        out.restart_time.0 += duration.0;
                        restarting = false;
                        since_commit = t;
                        recover(&mut out.failures, &mut pending, done, t);
                    }
                    Phase::Checkpoint(_) => {
                        out.checkpoints += 1;
                        out.checkpoint_time.0 += duration.0;
                        out.useful.0 += uncommitted_steps.0;
                        uncommitted_steps = SimDuration::ZERO;
                        committed = done;
                        since_commit = t;
                    }
                    Phase::Step(_) => {
                        done += 1;
                        uncommitted_steps.0 += duration.0;
                        out.progress.push((t, done));
                        recover(&mut out.failures, &mut pending, done, t);
                    }
                }
            }
        }
    }
    out.useful.0 += uncommitted_steps.0;
    out.end = t;
    catch_up(&mut out);
    Ok(out)
}

/// Sets every failure's [`FailureRecord::caught_up_at`] from the spans: the first later execution of the
/// interrupted phase that runs at least as long as the interrupted one had (a restart: the next restart
/// that completes).
///
/// # Complexity
/// Each failure scans the spans from its own to its catch-up: time **O(Σ over failures of those spans)**.
fn catch_up(out: &mut Timeline) {
    let spans = &out.spans;
    let at_span: Vec<usize> = spans.iter().enumerate().filter(|(_, s)| s.failure.is_some()).map(|(i, _)| i).collect();
    for (k, &i) in at_span.iter().enumerate() {
        let cut = spans[i];
        let reached = cut.end.since(cut.start);
        let found = spans[i + 1..].iter().find_map(|s| match (cut.phase, s.phase) {
            (Phase::Restart, Phase::Restart) if s.failure.is_none() => Some(s.end),
            (Phase::Restart, _) => None,
            (a, b) if a == b && (s.failure.is_none() || s.end.since(s.start) >= reached) => Some(s.start + reached),
            _ => None,
        });
        out.failures[k].caught_up_at = found;
    }
}

/// Marks the failures the job has caught up with, `done` steps at `t`, as recovered then; `pending` holds
/// the others as (steps done when they hit, index), least first.
fn recover(failures: &mut [FailureRecord], pending: &mut BinaryHeap<Reverse<(u64, usize)>>, done: u64, t: SimTime) {
    while let Some(&Reverse((steps_done, i))) = pending.peek() {
        if steps_done > done {
            return;
        }
        failures[i].recovered_at = Some(t);
        pending.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000_000;

    fn secs(s: u64) -> SimDuration {
        SimDuration(s * S)
    }

    fn at(s: u64) -> SimTime {
        SimTime(s * S)
    }

    /// 10 steps of 1 s, a checkpoint of 2 s every 4 steps, restarts of 3 s.
    fn run(failures: &[u64]) -> Timeline {
        let policy = CheckpointPolicy { every: 4, cost: secs(2), restart: secs(3) };
        let mut f = failures.iter().map(|&s| at(s));
        timeline(10, &mut |_, _| secs(1), policy, &mut f).unwrap()
    }

    #[test]
    fn without_failures_the_job_is_its_steps_and_checkpoints() {
        let t = run(&[]);
        // Steps 1-4, checkpoint (4-6), steps 5-8 (6-10), checkpoint (10-12), steps 9-10 (12-14).
        assert_eq!(t.end, at(14));
        assert_eq!((t.checkpoints, t.checkpoint_time, t.useful), (2, secs(4), secs(10)));
        assert_eq!((t.lost_work, t.restart_time), (SimDuration::ZERO, SimDuration::ZERO));
    }

    #[test]
    fn a_failure_loses_the_work_since_the_last_checkpoint() {
        // At 8.5 s the job is in step 7 (started at 8 s) with steps 5 and 6 done since the checkpoint
        // that ended at 6 s: 2.5 s lost; restart 8.5-11.5; steps 5-8 redone 11.5-15.5, checkpoint to 17.5,
        // steps 9-10 to 19.5.
        let t = run(&[8]);
        let half = SimTime(8 * S + S / 2);
        let t2 = {
            let policy = CheckpointPolicy { every: 4, cost: secs(2), restart: secs(3) };
            timeline(10, &mut |_, _| secs(1), policy, &mut std::iter::once(half)).unwrap()
        };
        assert_eq!(t.failures[0].lost_work, secs(2));
        let r = t2.failures[0];
        assert_eq!((r.during, r.steps_done, r.resumed_from), (Phase::Step(6), 6, 4));
        assert_eq!(r.lost_work, SimDuration(2 * S + S / 2));
        // Back at 6 steps after the restart and two steps: 8.5 + 3 + 2.
        assert_eq!(r.recovered_at, Some(SimTime(13 * S + S / 2)));
        assert_eq!(t2.end, SimTime(19 * S + S / 2));
        assert_eq!((t2.useful, t2.checkpoint_time, t2.restart_time), (secs(10), secs(4), secs(3)));
        // Everything is accounted for.
        let sum = t2.useful.0 + t2.checkpoint_time.0 + t2.lost_work.0 + t2.restart_time.0;
        assert_eq!(sum, t2.end.0);
        assert_eq!(*t2.progress.last().unwrap(), (t2.end, 10));
        assert!(t2.progress.contains(&(half, 4)));
    }

    #[test]
    fn failures_during_a_restart_and_a_checkpoint_restart_again() {
        // Failure at 5 s (during the first checkpoint, 4-6): 5 s lost (steps and 1 s of checkpoint),
        // restart 5-8 interrupted at 7: restart again 7-10, then all 10 steps and 2 checkpoints: 10 + 14.
        let t = run(&[5, 7]);
        assert_eq!(t.failures[0].during, Phase::Checkpoint(4));
        assert_eq!(t.failures[0].lost_work, secs(5));
        assert_eq!(t.failures[1].during, Phase::Restart);
        assert_eq!((t.failures[1].lost_work, t.failures[1].resumed_from), (SimDuration::ZERO, 0));
        assert_eq!(t.restart_time, secs(2 + 3));
        assert_eq!(t.end, at(24));
        assert_eq!(t.useful.0 + t.checkpoint_time.0 + t.lost_work.0 + t.restart_time.0, t.end.0);
    }

    #[test]
    fn spans_cover_the_job_and_a_replay_catches_up_after_restart_plus_lost_work() {
        // Failure at 8.5 s in step 7 (index 6), 2.5 s after the checkpoint ended: back at the same point
        // 3 s of restart and 2.5 s of replay later; a second failure at 16 s, half a second into the
        // checkpoint after the replayed steps 5-8 (11.5-15.5 s), loses 4.5 s and catches up 7.5 s later.
        let policy = CheckpointPolicy { every: 4, cost: secs(2), restart: secs(3) };
        let half = SimTime(8 * S + S / 2);
        let t = timeline(10, &mut |_, _| secs(1), policy, &mut [half, at(16)].into_iter()).unwrap();
        assert_eq!(t.spans.first().map(|s| s.start), Some(SimTime::ZERO));
        assert!(t.spans.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(t.spans.last().map(|s| s.end), Some(t.end));
        for (i, f) in t.failures.iter().enumerate() {
            let cut: Vec<&Span> = t.spans.iter().filter(|s| s.failure == Some(i)).collect();
            assert_eq!((cut.len(), cut[0].end, cut[0].phase), (1, f.at, f.during));
            let restart = SimDuration(policy.restart.0);
            assert_eq!(f.caught_up_at, Some(f.at + restart + f.lost_work), "{f:?}");
        }
        // The first failure: step 6 replayed from 13.5 s, half a second in at 14 s.
        assert_eq!(t.failures[0].caught_up_at, Some(at(14)));
        assert_eq!(t.failures[1].caught_up_at, Some(SimTime(23 * S + S / 2)));
        // Steps completed, then discarded, are still spans: steps 5 and 6 (indices 4, 5) ran three times.
        let runs_of = |n| t.spans.iter().filter(|s| s.phase == Phase::Step(n) && s.failure.is_none()).count();
        assert_eq!((runs_of(4), runs_of(5), runs_of(9)), (3, 3, 1));
    }

    #[test]
    fn a_failure_during_a_restart_catches_up_when_a_restart_completes() {
        let t = run(&[5, 7]);
        // Restart 7-10 completes: the second failure's job is running again at 10 s.
        assert_eq!(t.failures[1].caught_up_at, Some(at(10)));
        // The first one (1 s into the checkpoint after 4 steps, 5 s lost) is back 1 s into that checkpoint.
        assert_eq!(t.failures[0].caught_up_at, Some(at(15)));
    }

    #[test]
    fn a_job_that_cannot_outrun_its_failures_is_an_error() {
        let policy = CheckpointPolicy { every: 0, cost: SimDuration::ZERO, restart: secs(1) };
        let mut f = (1..).map(|k| SimTime(k * S / 2));
        let e = timeline(10, &mut |_, _| secs(1), policy, &mut f).unwrap_err();
        assert!(matches!(e, FaultError::NeverCompletes { failures: MAX_FAILURES, .. }), "{e}");
    }

    #[test]
    fn poisson_failures_are_seeded_and_have_the_stated_mean_gap() {
        let a: Vec<SimTime> = poisson_failures(7, 0, 100.0, 4).take(20_000).collect();
        let b: Vec<SimTime> = poisson_failures(7, 0, 100.0, 4).take(20_000).collect();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        let mean_gap = a.last().unwrap().as_secs_f64() / a.len() as f64;
        // Mean 25 s; the standard error of 20 000 exponential gaps is 25 / √20 000 ≈ 0.18 s.
        assert!((mean_gap - 25.0).abs() < 0.7, "{mean_gap}");
        assert_ne!(a[0], poisson_failures(7, 1, 100.0, 4).next().unwrap());
    }
}
