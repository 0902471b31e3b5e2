//! All-to-all personalized exchange: every rank sends a distinct block to every other rank.

use super::schedule::{part, Schedule, Transfer};
use super::CollectiveError;

/// All-to-all exchange of a `bytes`-byte send buffer per rank: rank `r` sends block `q` (bytes
/// `part(q)` of its buffer, `bytes/p` each) to every rank `q ≠ r`.
///
/// - **All at once** ([`AllToAll::all_at_once`]): all `p(p − 1)` transfers start together and
///   share the network max-min fairly. On a star with host links of bandwidth `B` each uplink
///   carries `p − 1` flows of `M/p`, so every flow ends at `α + (p − 1)/p · M/B`.
/// - **Pairwise** ([`AllToAll::pairwise`]): `p − 1` rounds; in round `k` (1 ≤ k < p) rank `r`
///   sends to `r + k mod p` (and receives from `r − k`), as a send-receive: round `k + 1` starts
///   when the rank's round-`k` send and receive have both completed. Time on the star
///   `(p − 1)(α + M/(p·B))`; it keeps only `p` flows in flight (Thakur, Rabenseifner, Gropp,
///   IJHPCA 19(1), 2005, "pairwise exchange").
///
/// With `c > 1` chunks, each block is cut into `c` parts and each transfer also waits for the
/// same transfer of the previous chunk.
#[derive(Clone, Debug)]
pub struct AllToAll {
    ranks: u64,
    bytes: u64,
    chunks: u64,
    pairwise: bool,
}

impl AllToAll {
    /// All transfers at once.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn all_at_once(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(ranks, bytes, chunks, false)
    }

    /// `p − 1` pairwise rounds.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    pub fn pairwise(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        Self::new(ranks, bytes, chunks, true)
    }

    fn new(ranks: usize, bytes: u64, chunks: u32, pairwise: bool) -> Result<Self, CollectiveError> {
        if chunks == 0 {
            return Err(CollectiveError::ZeroChunks);
        }
        Ok(AllToAll { ranks: ranks as u64, bytes, chunks: u64::from(chunks), pairwise })
    }

    fn block(&self) -> u64 {
        self.ranks * self.ranks.saturating_sub(1)
    }

    /// (chunk, round k in 1..p, sender r); for all-at-once the "round" is the offset to the
    /// receiver, `dst = r + k mod p`.
    fn decode(&self, op: u64) -> (u64, u64, u64) {
        let p = self.ranks;
        let (chunk, x) = (op / self.block(), op % self.block());
        if self.pairwise {
            (chunk, x / p + 1, x % p)
        } else {
            (chunk, x % (p - 1) + 1, x / (p - 1))
        }
    }

    fn id(&self, chunk: u64, k: u64, r: u64) -> u64 {
        let p = self.ranks;
        chunk * self.block() + if self.pairwise { (k - 1) * p + r } else { r * (p - 1) + (k - 1) }
    }
}

impl Schedule for AllToAll {
    fn ranks(&self) -> usize {
        self.ranks as usize
    }

    fn ops(&self) -> u64 {
        self.block() * self.chunks
    }

    fn transfer(&self, op: u64) -> Transfer {
        let (chunk, k, r) = self.decode(op);
        let dst = (r + k) % self.ranks;
        let (blo, blen) = part(self.bytes, self.ranks, dst);
        let (clo, clen) = part(blen, self.chunks, chunk);
        Transfer { src: r as u32, dst: dst as u32, bytes: clen, offset: blo + clo, reduce: false }
    }

    fn deps(&self, op: u64) -> u32 {
        let (chunk, k, _) = self.decode(op);
        2 * u32::from(self.pairwise && k > 1) + u32::from(chunk > 0)
    }

    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        let (chunk, k, r) = self.decode(op);
        if self.pairwise && k + 1 < self.ranks {
            // The sender's next round, and the receiver's (whose round k+1 waits for this receive).
            out.push(self.id(chunk, k + 1, r));
            out.push(self.id(chunk, k + 1, (r + k) % self.ranks));
        }
        if chunk + 1 < self.chunks {
            out.push(self.id(chunk + 1, k, r));
        }
    }

    fn roots(&self, out: &mut Vec<u64>) {
        let n = if self.pairwise { self.ranks.min(self.block()) } else { self.block() };
        out.extend(0..n);
    }
}
