//! Broadcast from a root: a pipelined chain, or a binomial tree.

use super::schedule::{part, Schedule, Transfer};
use super::CollectiveError;

/// Broadcast of `bytes` from rank `root` to every rank.
///
/// Ranks are taken relative to the root: relative rank `v` is rank `root + v mod p`.
///
/// - **Pipeline** ([`Broadcast::pipeline`]): a chain `0 → 1 → … → p − 1` in relative ranks; the
///   buffer is cut into `c` chunks and hop `h` forwards chunk `j` once it has received it and has
///   sent chunk `j − 1`. On a star (every hop on its own links, latency `α`, bandwidth `B`) this
///   is a pipeline of `p − 1` stages fed `c` items: `(p − 2 + c)(α + M/(c·B))`, which tends to the
///   bandwidth term `M/B` as `c` grows while `c·α` stays small (the optimal
///   `c ≈ √((p − 2)·M/(α·B))`; Thakur, Rabenseifner, Gropp, IJHPCA 19(1), 2005; NCCL's ring
///   broadcast is this chain).
/// - **Binomial tree** ([`Broadcast::binomial`]): in round `k`, every relative rank `v < 2^k` that
///   has the data sends it to `v + 2^k`; a rank sends to its children one after another. On a
///   star this takes `⌈log2 p⌉(α + M/B)` (Thakur et al.; MPICH's short-message broadcast).
///   With `c > 1` chunks each transfer also waits for the same transfer of the previous chunk.
#[derive(Clone, Debug)]
pub struct Broadcast {
    ranks: u64,
    root: u64,
    bytes: u64,
    chunks: u64,
    binomial: bool,
}

impl Broadcast {
    /// Pipelined chain broadcast.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`; [`CollectiveError::BadRoot`] if
    /// `root >= ranks`.
    pub fn pipeline(ranks: usize, root: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(ranks, root, bytes, chunks, false)
    }

    /// Binomial-tree broadcast.
    ///
    /// # Errors
    /// As [`Self::pipeline`].
    pub fn binomial(ranks: usize, root: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(ranks, root, bytes, chunks, true)
    }

    fn new(ranks: usize, root: usize, bytes: u64, chunks: u32, binomial: bool) -> Result<Self, CollectiveError> {
        if chunks == 0 {
            return Err(CollectiveError::ZeroChunks);
        }
        if root >= ranks {
            return Err(CollectiveError::BadRoot { root, ranks });
        }
        Ok(Broadcast { ranks: ranks as u64, root: root as u64, bytes, chunks: u64::from(chunks), binomial })
    }

    fn per(&self) -> u64 {
        self.ranks - 1
    }

    /// (chunk, relative receiver v in 1..p).
    fn decode(&self, op: u64) -> (u64, u64) {
        (op / self.per(), op % self.per() + 1)
    }

    fn id(&self, chunk: u64, v: u64) -> u64 {
        chunk * self.per() + v - 1
    }

    /// Binomial tree: the relative rank that sends to `v`, and the round in which it does.
    fn sender(v: u64) -> (u64, u32) {
        let k = v.ilog2();
        (v - (1 << k), k)
    }

    /// Binomial tree: the receiver of `u`'s send before the one to `v` (whose round is `k`), if
    /// `u` sent anything before.
    fn previous_send(u: u64, k: u32) -> Option<u64> {
        let first_round = if u == 0 { 0 } else { u.ilog2() + 1 };
        (k > first_round).then(|| u + (1 << (k - 1)))
    }
}

impl Schedule for Broadcast {
    fn ranks(&self) -> usize {
        self.ranks as usize
    }

    fn ops(&self) -> u64 {
        self.per() * self.chunks
    }

    fn transfer(&self, op: u64) -> Transfer {
        let (chunk, v) = self.decode(op);
        let u = if self.binomial { Self::sender(v).0 } else { v - 1 };
        let (offset, bytes) = part(self.bytes, self.chunks, chunk);
        let abs = |x: u64| ((x + self.root) % self.ranks) as u32;
        Transfer { src: abs(u), dst: abs(v), bytes, offset, reduce: false }
    }

    fn deps(&self, op: u64) -> u32 {
        let (chunk, v) = self.decode(op);
        let data = if self.binomial {
            let (u, k) = Self::sender(v);
            u32::from(u != 0 || Self::previous_send(u, k).is_some())
        } else {
            u32::from(v > 1)
        };
        data + u32::from(chunk > 0)
    }

    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        let (chunk, v) = self.decode(op);
        if self.binomial {
            let (u, k) = Self::sender(v);
            // v's first child, then u's next child.
            for w in [v + (1 << (k + 1)), u + (1 << (k + 1))] {
                if w < self.ranks {
                    out.push(self.id(chunk, w));
                }
            }
        } else if v + 1 < self.ranks {
            out.push(self.id(chunk, v + 1));
        }
        if chunk + 1 < self.chunks {
            out.push(self.id(chunk + 1, v));
        }
    }

    fn roots(&self, out: &mut Vec<u64>) {
        if self.ranks > 1 {
            out.push(self.id(0, 1));
        }
    }
}
