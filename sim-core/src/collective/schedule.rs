//! Communication schedules: transfers between ranks with dependencies, generated on demand.

use super::CollectiveError;

/// One point-to-point transfer of a schedule: `bytes` from rank `src` to rank `dst`.
///
/// `offset` and `reduce` say what the bytes mean, so that a test (or a trace) can check that an
/// algorithm computes what it claims: the transfer carries bytes `offset..offset + bytes` of the
/// collective's buffer (for all-reduce, reduce-scatter, all-gather and broadcast, the `M`-byte
/// buffer every rank holds; for all-to-all, the sender's send buffer), and the receiver either
/// reduces them into its own copy (`reduce = true`) or overwrites its copy (`reduce = false`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Sending rank (an index into the collective's host list).
    pub src: u32,
    /// Receiving rank.
    pub dst: u32,
    /// Size of the transfer [bytes].
    pub bytes: u64,
    /// First byte of the buffer range carried [bytes from the start of the buffer].
    pub offset: u64,
    /// Whether the receiver reduces the payload into its buffer (and is charged the reduction time
    /// of [`super::ExecOptions`]) rather than copying it.
    pub reduce: bool,
}

/// A communication schedule: transfers (ops `0..ops()`) with dependencies, a DAG.
///
/// An op starts when every op it depends on has **completed** (its last byte arrived, plus the
/// receiver's reduction time if it reduces). The schedule answers questions about one op at a
/// time, so an implementation can compute ops, dependency counts and dependents from the op id
/// by arithmetic instead of storing a graph: the executor ([`super::Execution`]) keeps state only
/// for ops that are ready, in flight, or partly unblocked.
///
/// Contract (checked by the module's tests for every built-in schedule):
/// - `deps(op)` equals the number of times `op` appears in `dependents(x)` over all ops `x`;
/// - `roots` lists exactly the ops with `deps(op) == 0`, in increasing order, each once;
/// - `dependents(x)` lists each dependent once; the graph is acyclic;
/// - every transfer's ranks are below `ranks()`.
pub trait Schedule: std::fmt::Debug + Send + Sync {
    /// Number of ranks taking part; ranks are `0..ranks()`.
    fn ranks(&self) -> usize;
    /// Number of ops; ops are `0..ops()`.
    fn ops(&self) -> u64;
    /// The transfer that op `op` performs.
    fn transfer(&self, op: u64) -> Transfer;
    /// How many ops `op` waits for.
    fn deps(&self, op: u64) -> u32;
    /// Appends to `out` the ops that wait for `op` (each once).
    fn dependents(&self, op: u64, out: &mut Vec<u64>);
    /// Appends to `out` the ops that wait for nothing, in increasing order.
    fn roots(&self, out: &mut Vec<u64>);
}

/// A schedule given as an explicit list of transfers and dependencies, for custom patterns and
/// tests. Stores every op, so its memory is O(ops + edges); the built-in algorithms generate
/// theirs on demand instead.
#[derive(Clone, Debug)]
pub struct ExplicitSchedule {
    ranks: usize,
    transfers: Vec<Transfer>,
    deps: Vec<u32>,
    /// CSR adjacency: dependents of op `i` are `edges[first[i]..first[i + 1]]`.
    first: Vec<usize>,
    edges: Vec<u64>,
}

impl ExplicitSchedule {
    /// A schedule over `ranks` ranks whose op `i` is `ops[i].0` and waits for the ops `ops[i].1`.
    ///
    /// # Errors
    /// [`CollectiveError::BadRank`] if a transfer names a rank `>= ranks`;
    /// [`CollectiveError::BadDependency`] if an op depends on itself, on a later op (so every
    /// explicit schedule is acyclic by construction), or twice on the same op.
    ///
    /// # Complexity
    /// O(ops + edges · log edges) time and O(ops + edges) space.
    pub fn new(ranks: usize, ops: Vec<(Transfer, Vec<u64>)>) -> Result<Self, CollectiveError> {
        let mut pairs = Vec::new();
        let mut transfers = Vec::with_capacity(ops.len());
        let mut deps = Vec::with_capacity(ops.len());
        for (i, (t, d)) in ops.into_iter().enumerate() {
            let i = i as u64;
            for rank in [t.src, t.dst] {
                if rank as usize >= ranks {
                    return Err(CollectiveError::BadRank { op: i, rank: rank as usize, ranks });
                }
            }
            let mut sorted = d.clone();
            sorted.sort_unstable();
            for (w, &dep) in sorted.iter().enumerate() {
                if dep >= i || (w > 0 && sorted[w - 1] == dep) {
                    return Err(CollectiveError::BadDependency { op: i, dep });
                }
            }
            pairs.extend(d.iter().map(|&x| (x, i)));
            deps.push(d.len() as u32);
            transfers.push(t);
        }
        pairs.sort_unstable();
        let mut first = vec![0; transfers.len() + 1];
        for &(from, _) in &pairs {
            first[from as usize + 1] += 1;
        }
        for i in 0..transfers.len() {
            first[i + 1] += first[i];
        }
        Ok(ExplicitSchedule { ranks, transfers, deps, first, edges: pairs.into_iter().map(|(_, to)| to).collect() })
    }
}

impl Schedule for ExplicitSchedule {
    fn ranks(&self) -> usize {
        self.ranks
    }
    fn ops(&self) -> u64 {
        self.transfers.len() as u64
    }
    fn transfer(&self, op: u64) -> Transfer {
        self.transfers[op as usize]
    }
    fn deps(&self, op: u64) -> u32 {
        self.deps[op as usize]
    }
    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        out.extend_from_slice(&self.edges[self.first[op as usize]..self.first[op as usize + 1]]);
    }
    fn roots(&self, out: &mut Vec<u64>) {
        out.extend((0..self.deps.len() as u64).filter(|&i| self.deps[i as usize] == 0));
    }
}

/// Part `i` of `total` bytes cut into `n` near-equal parts, as `(offset, len)`: the first
/// `total mod n` parts are one byte longer.
pub(crate) fn part(total: u64, n: u64, i: u64) -> (u64, u64) {
    let (q, r) = (total / n, total % n);
    (i * q + i.min(r), q + u64::from(i < r))
}
