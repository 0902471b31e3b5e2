//! Gaia's Approximate Synchronous Parallel between data centers (Hsieh et al., "Gaia:
//! Geo-Distributed Machine Learning Approaching LAN Speeds", NSDI 2017, §3; code semantics of the
//! authors' `tablet-server.cpp` mirror-update path).
//!
//! Each shard adds the updates it applies from its own data center's workers to a per-parameter
//! accumulator. Each time its committed clock advances it runs the **significance filter** over
//! the parameters with a nonzero accumulated update: one is significant iff its current value is 0
//! or |accumulated / current| exceeds the threshold (decayed like the program's step size). The
//! significant ones go to every mirror (the same shard in every other data center) as sparse
//! (index, value) pairs, or whole rows where that is smaller, and leave the accumulator; the
//! others stay in it and keep accumulating, never dropped. With the **selective barrier**, a
//! notice listing the rows goes ahead of each batch on the same connection; a mirror holds local
//! reads of exactly those rows from the notice's arrival to the batch's. Then the shard reports
//! its committed clock to every mirror (**mirror clock**), after the batch on the same in-order
//! connection, so a reported clock `t` means every significant update of the mirror's clocks
//! `< t` has arrived. A shard serves a local read requiring clock `r` only when every mirror has
//! reported at least `r − mirror_slack`: no data center runs more than the intra-data-center bound
//! plus `mirror_slack` clocks ahead of the slowest worker elsewhere.
//!
//! Mirror updates are applied on arrival (they are not part of any clock) and are not re-sent:
//! every data center sends only its own workers' updates, directly to every other (no overlay
//! hubs).

use std::collections::BTreeSet;

use super::{Payload, PsError, Runtime};
use crate::program::{Params, RowDelta, RowRef, TableSpec};

/// Settings of Gaia's Approximate Synchronous Parallel.
#[derive(Clone, Debug, PartialEq)]
pub struct AspConfig {
    /// Significance threshold at clock 0, a fraction of the parameter's value (0.01 = 1 %, the
    /// default of the authors' scripts). At clock `c` the threshold is this times the program's
    /// [`crate::program::DataParallelProgram::learning_rate_factor`]`(c)`. 0 sends every nonzero
    /// accumulated update.
    pub threshold: f64,
    /// Whether a notice of the rows goes ahead of each batch of significant updates and holds
    /// local reads of those rows until the batch arrives.
    pub selective_barrier: bool,
    /// Clocks a data center may run ahead of what its mirrors have reported [clocks]; 0 in the
    /// authors' shipped configurations.
    pub mirror_slack: u64,
}

impl Default for AspConfig {
    fn default() -> Self {
        AspConfig { threshold: 0.01, selective_barrier: true, mirror_slack: 0 }
    }
}

impl AspConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// A message if `threshold` is negative or not finite.
    pub fn validate(&self) -> Result<(), String> {
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            return Err(format!("significance threshold must be finite and ≥ 0, got {}", self.threshold));
        }
        Ok(())
    }
}

/// What Gaia's mechanisms did in one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AspStats {
    /// Parameter values with a nonzero accumulated update examined by the significance filter
    /// (a value that stays insignificant is counted at every commit that examines it) [count].
    pub checked: u64,
    /// Of those, found significant and sent to every mirror [count].
    pub significant: u64,
    /// Significant values applied at mirrors; `significant × (data centers − 1)` when every batch
    /// has arrived [count].
    pub applied_at_mirrors: u64,
    /// Batches of significant updates sent, counting each mirror [count].
    pub mirror_batches: u64,
    /// Bytes of mirror traffic: notices, significant updates and mirror clocks [bytes].
    pub mirror_bytes: u64,
    /// Read requests that were otherwise servable but held by a selective barrier, counted once
    /// per time the shard looked at them [count].
    pub barrier_held_reads: u64,
    /// Largest lead of a worker's clock, when it began computing, over the clocks completed by the
    /// slowest worker of another data center [clocks].
    pub max_mirror_lead: u64,
}

impl AspStats {
    /// `significant / checked`, 0 when nothing was checked.
    pub fn significant_share(&self) -> f64 {
        if self.checked == 0 {
            0.0
        } else {
            self.significant as f64 / self.checked as f64
        }
    }
}

/// Gaia's runtime state.
pub(super) struct Asp {
    pub(super) config: AspConfig,
    pub(super) stats: AspStats,
    /// Per data center: accumulated local updates not yet sent (each shard owns its rows).
    accumulated: Vec<Params>,
}

impl Asp {
    pub(super) fn new(config: AspConfig, tables: &[TableSpec], data_centers: usize) -> Self {
        Asp { config, stats: AspStats::default(), accumulated: vec![Params::zeros(tables); data_centers] }
    }

    /// Adds local updates applied by a shard of data center `dc` to its accumulator.
    pub(super) fn accumulate(&mut self, dc: usize, dirty: &mut BTreeSet<RowRef>, rows: &[RowDelta]) {
        self.accumulated[dc].apply(rows);
        dirty.extend(rows.iter().map(|u| u.row));
    }

    /// The statistics and every data center's unsent accumulated updates.
    pub(super) fn finish(self) -> (AspStats, Vec<Params>) {
        (self.stats, self.accumulated)
    }
}

impl Runtime<'_> {
    /// After shard `g` committed a clock: the significance filter, then (notice,) batch and clock
    /// to every mirror.
    pub(super) fn send_to_mirrors(&mut self, g: usize) -> Result<(), PsError> {
        let dc = self.shards[g].dc;
        let k = g % self.shards_per_dc;
        let clock = self.shards[g].committed_clock;
        let asp = self.asp.as_mut().expect("called under ASP");
        let threshold = asp.config.threshold * self.program.learning_rate_factor(clock - 1);
        let (key, value) = (self.config.key_bytes as u64, self.config.value_bytes as u64);
        let mut batch: Vec<RowDelta> = Vec::new();
        let mut batch_bytes = 0;
        let dirty = std::mem::take(&mut self.shards[g].dirty);
        for r in dirty {
            let current = self.server_params[dc].row(r);
            let acc = asp.accumulated[dc].row_mut(r);
            let mut delta = vec![0.0; acc.len()];
            let (mut sent, mut kept) = (0u64, false);
            for ((a, d), &v) in acc.iter_mut().zip(&mut delta).zip(current) {
                if *a == 0.0 {
                    continue;
                }
                asp.stats.checked += 1;
                if v == 0.0 || (*a / v).abs() > threshold {
                    *d = std::mem::take(a);
                    sent += 1;
                } else {
                    kept = true;
                }
            }
            if kept {
                self.shards[g].dirty.insert(r);
            }
            if sent > 0 {
                asp.stats.significant += sent;
                // Sparse (index, value) pairs, or the whole row where that is smaller.
                batch_bytes += (sent * (key + value)).min(key + delta.len() as u64 * value);
                batch.push(RowDelta { row: r, delta });
            }
        }
        let others: Vec<usize> = (0..self.dc_workers.len()).filter(|&e| e != dc).collect();
        let overhead = self.config.message_overhead_bytes as u64;
        let barrier = asp.config.selective_barrier;
        if !batch.is_empty() {
            asp.stats.mirror_batches += others.len() as u64;
            let rows: Vec<RowRef> = batch.iter().map(|u| u.row).collect();
            for &e in &others {
                let conn = self.to_mirror(dc, e, k);
                if barrier {
                    self.send(conn, Payload::MirrorNotice { rows: rows.clone() }, overhead + rows.len() as u64 * key)?;
                }
                self.send(conn, Payload::MirrorUpdate { rows: batch.clone() }, overhead + batch_bytes)?;
            }
        }
        for &e in &others {
            self.send(self.to_mirror(dc, e, k), Payload::MirrorClock { clock }, overhead)?;
        }
        Ok(())
    }

    /// A notice reached mirror `to`: hold local reads of these rows until their batch arrives.
    pub(super) fn on_mirror_notice(&mut self, to: usize, rows: Vec<RowRef>) -> Result<(), PsError> {
        for r in rows {
            *self.shards[to].barred.entry(r).or_insert(0) += 1;
        }
        Ok(())
    }

    /// A batch of significant updates reached mirror `to`: apply it, lift its barrier.
    pub(super) fn on_mirror_update(&mut self, to: usize, rows: Vec<RowDelta>) -> Result<(), PsError> {
        let dc = self.shards[to].dc;
        self.server_params[dc].apply(&rows);
        let asp = self.asp.as_mut().expect("called under ASP");
        asp.stats.applied_at_mirrors +=
            rows.iter().map(|u| u.delta.iter().filter(|d| **d != 0.0).count() as u64).sum::<u64>();
        if asp.config.selective_barrier {
            let barred = &mut self.shards[to].barred;
            for u in &rows {
                let n = barred.get_mut(&u.row).expect("a notice went ahead of the batch");
                *n -= 1;
                if *n == 0 {
                    barred.remove(&u.row);
                }
            }
            self.serve_waiting(to)?;
        }
        Ok(())
    }

    /// Mirror `from` reported that it committed every clock `< clock`.
    pub(super) fn on_mirror_clock(&mut self, from: usize, to: usize, clock: u64) -> Result<(), PsError> {
        let before = self.served_clock(to);
        let from_dc = self.shards[from].dc;
        let known = &mut self.shards[to].mirror_clock[from_dc];
        assert!(clock >= *known, "mirror clocks arrive in order");
        *known = clock;
        self.on_served_clock(to, before)
    }
}
