//! Rabenseifner's all-reduce: reduce-scatter by recursive halving, all-gather by recursive doubling.

use super::schedule::{part, Schedule, Transfer};
use super::CollectiveError;

/// Recursive halving-doubling all-reduce (Rabenseifner), pipelined over chunks.
///
/// With `p' = 2^d` ranks: in reduce-scatter round `k` (0 ≤ k < d) rank `r` exchanges with
/// `r XOR 2^(d−1−k)`: each keeps one half of its current range (the lower half if that bit of `r`
/// is 0) and sends the other half, which the partner reduces. After `d` rounds each rank holds the
/// reduction of `M/p'` bytes. All-gather round `a` (0 ≤ a < d) pairs `r` with `r XOR 2^a` and
/// each sends everything it has. Per phase the sizes are `M/2, M/4, …, M/p'`, summing to
/// `(p' − 1)/p' · M`, so on links of bandwidth `B` and route latency `α` without contention the
/// time is `2·log2(p')·α + 2·(p' − 1)/p' · M/B` (Thakur, Rabenseifner, Gropp, "Optimization of
/// collective communication operations in MPICH", IJHPCA 19(1), 2005; Rabenseifner,
/// "Optimization of collective reduction operations", ICCS 2004).
///
/// **Other rank counts** (`p = p' + e`, `0 < e < p'`): the `e` extra ranks `p' + i` first send
/// their whole chunk to rank `i`, which reduces it; ranks `0..p'` run the algorithm above; then
/// rank `i` sends the result back to `p' + i` (the folding of Thakur et al.). This costs
/// `2(α + M/B)` more.
///
/// **Dependencies.** An exchange is a send-receive pair (as `MPI_Sendrecv` under a rendezvous
/// protocol): rank `r`'s send in round `k` waits for what `r` received in round `k − 1` and for
/// what its partner received in round `k − 1` (the partner is ready to receive); in round 0, for
/// the folded-in chunks of `r` and of its partner, if any. The final send to an extra rank waits
/// for the last receive of its partner. With `c > 1` chunks each send also waits for the same
/// send of the previous chunk.
#[derive(Clone, Debug)]
pub struct HalvingDoubling {
    /// The power of two `p'` that runs the exchange rounds.
    core: u64,
    /// log2 of `core`.
    d: u32,
    /// Extra ranks folded in: `p − p'`.
    extra: u64,
    bytes: u64,
    chunks: u64,
}

/// An op's place in a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Extra rank `p' + i` sends its chunk to rank `i`.
    Fold(u64),
    /// Round `k` (0..2d), sent by rank `r`.
    Round(u64, u64),
    /// Rank `i` sends the result to extra rank `p' + i`.
    Unfold(u64),
}

impl HalvingDoubling {
    /// Recursive halving-doubling all-reduce of `bytes` over `ranks` ranks in `chunks` chunks.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn new(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        if chunks == 0 {
            return Err(CollectiveError::ZeroChunks);
        }
        let ranks = ranks as u64;
        let d = if ranks == 0 { 0 } else { ranks.ilog2() };
        let core = if ranks == 0 { 0 } else { 1u64 << d };
        Ok(HalvingDoubling { core, d, extra: ranks - core, bytes, chunks: u64::from(chunks) })
    }

    fn rounds(&self) -> u64 {
        2 * u64::from(self.d)
    }

    fn block(&self) -> u64 {
        2 * self.extra + self.rounds() * self.core
    }

    fn decode(&self, op: u64) -> (u64, Kind) {
        let (chunk, x) = (op / self.block(), op % self.block());
        let kind = if x < self.extra {
            Kind::Fold(x)
        } else if x < self.extra + self.rounds() * self.core {
            let y = x - self.extra;
            Kind::Round(y / self.core, y % self.core)
        } else {
            Kind::Unfold(x - self.extra - self.rounds() * self.core)
        };
        (chunk, kind)
    }

    fn id(&self, chunk: u64, kind: Kind) -> u64 {
        chunk * self.block()
            + match kind {
                Kind::Fold(i) => i,
                Kind::Round(k, r) => self.extra + k * self.core + r,
                Kind::Unfold(i) => self.extra + self.rounds() * self.core + i,
            }
    }

    /// Distance of round `k`'s partner: `2^(d−1−k)` while halving, `2^(k−d)` while doubling.
    fn distance(&self, k: u64) -> u64 {
        let d = u64::from(self.d);
        if k < d {
            1 << (d - 1 - k)
        } else {
            1 << (k - d)
        }
    }

    fn partner(&self, k: u64, r: u64) -> u64 {
        r ^ self.distance(k)
    }

    /// The range `(offset, len)` rank `r` is responsible for before halving round `k`, within the
    /// region `(lo, len)`.
    fn range_before(&self, r: u64, k: u64, mut lo: u64, mut len: u64) -> (u64, u64) {
        for i in 0..k {
            let half = len / 2;
            if r & self.distance(i) == 0 {
                len = half;
            } else {
                lo += half;
                len -= half;
            }
        }
        (lo, len)
    }
}

impl Schedule for HalvingDoubling {
    fn ranks(&self) -> usize {
        (self.core + self.extra) as usize
    }

    fn ops(&self) -> u64 {
        self.block() * self.chunks
    }

    fn transfer(&self, op: u64) -> Transfer {
        let (chunk, kind) = self.decode(op);
        let (lo, len) = part(self.bytes, self.chunks, chunk);
        let d = u64::from(self.d);
        let (src, dst, offset, bytes, reduce) = match kind {
            Kind::Fold(i) => (self.core + i, i, lo, len, true),
            Kind::Unfold(i) => (i, self.core + i, lo, len, false),
            Kind::Round(k, r) if k < d => {
                let (lo, len) = self.range_before(r, k, lo, len);
                let half = len / 2;
                let (o, n) = if r & self.distance(k) == 0 { (lo + half, len - half) } else { (lo, half) };
                (r, self.partner(k, r), o, n, true)
            }
            Kind::Round(k, r) => {
                let (o, n) = self.range_before(r, 2 * d - k, lo, len);
                (r, self.partner(k, r), o, n, false)
            }
        };
        Transfer { src: src as u32, dst: dst as u32, bytes, offset, reduce }
    }

    fn deps(&self, op: u64) -> u32 {
        let (chunk, kind) = self.decode(op);
        let data = match kind {
            Kind::Fold(_) => 0,
            Kind::Unfold(_) => 1,
            Kind::Round(0, r) => u32::from(r < self.extra) + u32::from(self.partner(0, r) < self.extra),
            Kind::Round(..) => 2,
        };
        data + u32::from(chunk > 0)
    }

    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        let (chunk, kind) = self.decode(op);
        match kind {
            Kind::Fold(i) => {
                out.push(self.id(chunk, Kind::Round(0, i)));
                out.push(self.id(chunk, Kind::Round(0, self.partner(0, i))));
            }
            Kind::Round(k, r) => {
                let t = self.partner(k, r);
                if k + 1 < self.rounds() {
                    out.push(self.id(chunk, Kind::Round(k + 1, t)));
                    out.push(self.id(chunk, Kind::Round(k + 1, self.partner(k + 1, t))));
                } else if t < self.extra {
                    out.push(self.id(chunk, Kind::Unfold(t)));
                }
            }
            Kind::Unfold(_) => {}
        }
        if chunk + 1 < self.chunks {
            out.push(self.id(chunk + 1, kind));
        }
    }

    fn roots(&self, out: &mut Vec<u64>) {
        if self.block() == 0 {
            return;
        }
        out.extend((0..self.extra).map(|i| self.id(0, Kind::Fold(i))));
        if self.rounds() > 0 {
            out.extend(
                (self.extra..self.core)
                    .filter(|&r| self.partner(0, r) >= self.extra)
                    .map(|r| self.id(0, Kind::Round(0, r))),
            );
        }
    }
}
