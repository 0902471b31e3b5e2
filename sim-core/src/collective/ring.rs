//! Ring algorithms: reduce-scatter, all-gather, all-reduce, and the hierarchical all-reduce built
//! from rings inside and across groups.

use super::schedule::{part, Schedule, Transfer};
use super::CollectiveError;

/// One ring phase: every ring of a layout runs `q − 1` steps of reduce-scatter or all-gather.
#[derive(Clone, Copy, Debug)]
struct Phase {
    /// Rings across groups (same position in every group) rather than within each group.
    across: bool,
    /// Reduce-scatter (the receiver reduces) rather than all-gather (the receiver copies).
    reduce: bool,
    /// Steps of this phase: ring length − 1 (never zero: empty phases are dropped).
    steps: u64,
    /// First op of this phase within a chunk's block of ops.
    base: u64,
}

/// Ring collectives over `ranks = groups × group_size` ranks, split into `chunks` pipelined chunks,
/// generated on demand (O(1) memory per op; the schedule itself stores four phases).
///
/// Rank `r` belongs to group `r / group_size` at position `r mod group_size`. A **within-group
/// ring** joins the ranks of one group in position order; an **across-group ring** joins the
/// ranks that hold the same position in every group, in group order. The flat collectives are one
/// group holding every rank.
///
/// **Steps.** In a reduce-scatter over a ring of `q` ranks, the region (the chunk, or for
/// across-group rings the group-segment of the chunk, see below) is cut into `q` near-equal
/// segments; at step `k` (0 ≤ k < q − 1) the rank at ring position `i` sends segment
/// `(i − k − 1) mod q` to the next rank, which reduces it into its own; after `q − 1` steps position
/// `i` holds the full reduction of segment `i`. The all-gather then forwards: at step `k` position
/// `i` sends segment `(i − k) mod q`. All-reduce is reduce-scatter then all-gather, `2(q − 1)`
/// steps (Patarasuk & Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
/// workstations", JPDC 69(2), 2009; Thakur, Rabenseifner, Gropp, IJHPCA 19(1), 2005).
///
/// **Dependencies (send-receive steps, no global barrier).** A step is a send-receive, as
/// `MPI_Sendrecv`: a rank's send at step `k > 0` of a chunk waits for its own send and for its
/// receive at step `k − 1` of that chunk (the receive carries what it forwards). Its first send of
/// a phase waits for its last send and its last receive of the previous phase, so by induction a
/// rank starts a phase holding everything the previous phases brought it. With `c > 1` chunks,
/// each send also waits for the same send of the previous chunk (a connection carries one chunk
/// per step at a time, in order), so step `k` of chunk `j + 1` runs while chunk `j` is in step `k + 1`.
///
/// **Hierarchical all-reduce** = within-group reduce-scatter (position `l` ends with segment `l`
/// of the chunk, the *group-segment*), across-group reduce-scatter and all-gather of that
/// group-segment among the ranks at position `l` of every group, then within-group all-gather
/// (the 2D/hierarchical ring of Jia et al., "Highly scalable deep learning training system with
/// mixed-precision", arXiv:1807.11205, 2018, and of NCCL's intra-/inter-node split).
#[derive(Clone, Debug)]
pub struct RingSchedule {
    ranks: u64,
    groups: u64,
    group_size: u64,
    bytes: u64,
    chunks: u64,
    phases: Vec<Phase>,
    /// Ops per chunk.
    block: u64,
}

/// Where an op sits: chunk, phase, step, sending rank.
#[derive(Clone, Copy, Debug)]
struct At {
    chunk: u64,
    phase: usize,
    step: u64,
    rank: u64,
}

impl RingSchedule {
    /// Ring all-reduce of `bytes` over `ranks` ranks (ring order = rank order) in `chunks` chunks:
    /// `2(ranks − 1)` steps per chunk.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn all_reduce(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(1, ranks, bytes, chunks, &[(false, true), (false, false)])
    }

    /// Ring reduce-scatter of a `bytes`-byte buffer over `ranks` ranks: rank `i` ends with the
    /// reduction of part `i` of every chunk (`bytes/ranks` in all). `ranks − 1` steps per chunk.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn reduce_scatter(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(1, ranks, bytes, chunks, &[(false, true)])
    }

    /// Ring all-gather into a `bytes`-byte buffer over `ranks` ranks: rank `i` contributes part
    /// `i` of every chunk and ends with the whole buffer. `ranks − 1` steps per chunk.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn all_gather(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(1, ranks, bytes, chunks, &[(false, false)])
    }

    /// Hierarchical all-reduce of `bytes` over `groups × group_size` ranks, rank `g·group_size + l`
    /// being position `l` of group `g` (for GPUs: local rank `l` of node `g`). Per chunk:
    /// `2(group_size − 1)` within-group steps and `2(groups − 1)` across-group steps on
    /// `bytes/group_size`.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`; [`CollectiveError::BadGroups`] if
    /// `group_size == 0` or it does not divide `ranks`.
    pub fn hierarchical_all_reduce(
        ranks: usize,
        group_size: usize,
        bytes: u64,
        chunks: u32,
    ) -> Result<Self, CollectiveError> {
        if group_size == 0 || ranks % group_size != 0 {
            return Err(CollectiveError::BadGroups { ranks, group_size });
        }
        Self::new(
            ranks / group_size,
            group_size,
            bytes,
            chunks,
            &[(false, true), (true, true), (true, false), (false, false)],
        )
    }

    /// `phases`: (across, reduce) in order; phases whose rings have one rank are dropped.
    fn new(
        groups: usize,
        group_size: usize,
        bytes: u64,
        chunks: u32,
        phases: &[(bool, bool)],
    ) -> Result<Self, CollectiveError> {
        if chunks == 0 {
            return Err(CollectiveError::ZeroChunks);
        }
        let (groups, group_size) = (groups as u64, group_size as u64);
        let ranks = groups * group_size;
        let mut block = 0;
        let mut kept = Vec::new();
        for &(across, reduce) in phases {
            let steps = if across { groups } else { group_size }.saturating_sub(1);
            if steps > 0 {
                kept.push(Phase { across, reduce, steps, base: block });
                block += steps * ranks;
            }
        }
        Ok(RingSchedule { ranks, groups, group_size, bytes, chunks: u64::from(chunks), phases: kept, block })
    }

    fn at(&self, op: u64) -> At {
        let chunk = op / self.block;
        let rem = op % self.block;
        let phase = self.phases.iter().rposition(|p| p.base <= rem).expect("phase 0 starts at 0");
        let within = rem - self.phases[phase].base;
        At { chunk, phase, step: within / self.ranks, rank: within % self.ranks }
    }

    fn id(&self, at: At) -> u64 {
        at.chunk * self.block + self.phases[at.phase].base + at.step * self.ranks + at.rank
    }

    /// The ring of `rank` in a phase: (length, position, next rank, previous rank).
    fn ring(&self, across: bool, rank: u64) -> (u64, u64, u64, u64) {
        let (g, l) = (rank / self.group_size, rank % self.group_size);
        if across {
            let n = self.groups;
            (n, g, ((g + 1) % n) * self.group_size + l, ((g + n - 1) % n) * self.group_size + l)
        } else {
            let n = self.group_size;
            (n, l, g * n + (l + 1) % n, g * n + (l + n - 1) % n)
        }
    }
}

impl Schedule for RingSchedule {
    fn ranks(&self) -> usize {
        self.ranks as usize
    }

    fn ops(&self) -> u64 {
        self.block * self.chunks
    }

    fn transfer(&self, op: u64) -> Transfer {
        let at = self.at(op);
        let phase = self.phases[at.phase];
        let (q, pos, next, _) = self.ring(phase.across, at.rank);
        let (mut lo, mut len) = part(self.bytes, self.chunks, at.chunk);
        if phase.across {
            let (o, n) = part(len, self.group_size, at.rank % self.group_size);
            lo += o;
            len = n;
        }
        let segment = if phase.reduce { (pos + q - at.step - 1) % q } else { (pos + q - at.step) % q };
        let (o, n) = part(len, q, segment);
        Transfer { src: at.rank as u32, dst: next as u32, bytes: n, offset: lo + o, reduce: phase.reduce }
    }

    fn deps(&self, op: u64) -> u32 {
        let at = self.at(op);
        2 * u32::from(at.step > 0 || at.phase > 0) + u32::from(at.chunk > 0)
    }

    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        let at = self.at(op);
        let phase = self.phases[at.phase];
        let (_, _, next, _) = self.ring(phase.across, at.rank);
        // The sender's next send and the receiver's next send (a send-receive step).
        let following = if at.step + 1 < phase.steps {
            Some(At { step: at.step + 1, ..at })
        } else if at.phase + 1 < self.phases.len() {
            Some(At { phase: at.phase + 1, step: 0, ..at })
        } else {
            None
        };
        if let Some(f) = following {
            out.push(self.id(f));
            out.push(self.id(At { rank: next, ..f }));
        }
        if at.chunk + 1 < self.chunks {
            out.push(self.id(At { chunk: at.chunk + 1, ..at }));
        }
    }

    fn roots(&self, out: &mut Vec<u64>) {
        if self.block > 0 {
            out.extend(0..self.ranks);
        }
    }
}
