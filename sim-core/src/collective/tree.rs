//! NCCL's double binary tree all-reduce.

use super::schedule::{part, Schedule, Transfer};
use super::CollectiveError;

const NONE: u32 = u32::MAX;

/// One binary tree over the ranks: parent and up to two children of each rank.
#[derive(Clone, Debug)]
struct Tree {
    root: u32,
    parent: Vec<u32>,
    children: Vec<[u32; 2]>,
}

impl Tree {
    fn children(&self, r: u64) -> impl Iterator<Item = u64> + '_ {
        self.children[r as usize].iter().filter(|&&c| c != NONE).map(|&c| u64::from(c))
    }
    fn child_count(&self, r: u64) -> u32 {
        self.children(r).count() as u32
    }
    /// Dense index of a non-root rank (the root is skipped).
    fn index(&self, r: u64) -> u64 {
        r - u64::from(r > u64::from(self.root))
    }
    fn rank(&self, index: u64) -> u64 {
        index + u64::from(index >= u64::from(self.root))
    }
}

/// NCCL's binary tree on `n` ranks rooted at 0, in which odd ranks are leaves ("Btree which
/// alternates leaves and nodes", NCCL `src/graph/trees.cc`, `ncclGetBtree`). Returns
/// (parent, children) of `rank`.
fn btree(n: u32, rank: u32) -> (u32, [u32; 2]) {
    let mut bit = 1u32;
    while bit < n && bit & rank == 0 {
        bit <<= 1;
    }
    if rank == 0 {
        return (NONE, [if n > 1 { bit >> 1 } else { NONE }, NONE]);
    }
    let mut up = (rank ^ bit) | (bit << 1);
    if up >= n {
        up = rank ^ bit;
    }
    let mut low = bit >> 1;
    let first = if low == 0 { NONE } else { rank - low };
    let mut second = if low == 0 { NONE } else { rank + low };
    while second != NONE && second >= n {
        low >>= 1;
        second = if low == 0 { NONE } else { rank + low };
    }
    (up, [first, second])
}

/// The two trees of NCCL's double binary tree (`ncclGetDtree`): the first is [`btree`]; the second
/// is its mirror image (rank `r` ↔ `n − 1 − r`) when `n` is even and its shift by one rank when
/// `n` is odd, so that a rank that is interior in one tree is a leaf in the other.
fn double_tree(n: u32) -> [Tree; 2] {
    let odd = n % 2 == 1;
    let to = |x: u32| match x {
        NONE => NONE,
        x if odd => (x + 1) % n,
        x => n - 1 - x,
    };
    let mut trees =
        [0, 1].map(|_| Tree { root: 0, parent: vec![NONE; n as usize], children: vec![[NONE; 2]; n as usize] });
    for r in 0..n {
        let (up, down) = btree(n, r);
        trees[0].parent[r as usize] = up;
        trees[0].children[r as usize] = down;
        let (up, down) = btree(n, if odd { (r + n - 1) % n } else { n - 1 - r });
        trees[1].parent[r as usize] = to(up);
        trees[1].children[r as usize] = down.map(to);
    }
    trees[1].root = if n % 2 == 1 && n > 1 { 1 } else { n.saturating_sub(1) };
    trees
}

/// Double binary tree all-reduce (NCCL ≥ 2.4): two complementary binary trees, each reducing
/// half of the buffer up to its root and broadcasting the result back down, pipelined over
/// chunks. Because every rank is a leaf in at least one tree (for an odd rank count, every rank but
/// rank 0), both halves together load every rank's links about equally, and the depth is
/// ⌈log2 p⌉ instead of the ring's `p − 1` (Sanders, Speck, Träff, "Two-tree algorithms for full
/// bandwidth broadcast, reduction and scan", Parallel Computing 35(12), 2009; Jeaugey, "Massively
/// scale your deep learning training with NCCL 2.4", NVIDIA blog, 2019). NCCL runs the trees
/// across nodes with a chain inside each node; here the trees span the ranks directly.
///
/// **Ops** per tree and chunk: a *reduce* op per non-root rank (its subtree's partial sum to its
/// parent; waits for the reduce ops of its children) and a *broadcast* op per non-root rank (the
/// result from its parent; waits for the broadcast into the parent, or, below the root, for every
/// reduce op into the root). With `c > 1` chunks each op also waits for the same op of the
/// previous chunk. Tree 0 carries bytes `0..⌈M/2⌉` and tree 1 the rest, each cut into `c` chunks.
///
/// # Complexity
/// O(p) memory for the two trees; O(1) time per op.
#[derive(Clone, Debug)]
pub struct DoubleBinaryTree {
    ranks: u64,
    bytes: u64,
    chunks: u64,
    trees: [Tree; 2],
}

/// An op's coordinates: chunk, tree, broadcast (else reduce), rank at the child end.
#[derive(Clone, Copy, Debug)]
struct At {
    chunk: u64,
    tree: usize,
    bcast: bool,
    rank: u64,
}

impl DoubleBinaryTree {
    /// The double binary tree all-reduce of `bytes` over `ranks` ranks in `chunks` chunks.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`] if `chunks == 0`.
    ///
    /// # Panics
    /// If `ranks ≥ 2^32 − 1`.
    pub fn new(ranks: usize, bytes: u64, chunks: u32) -> Result<Self, CollectiveError> {
        if chunks == 0 {
            return Err(CollectiveError::ZeroChunks);
        }
        let n = u32::try_from(ranks).ok().filter(|&n| n < NONE).expect("fewer than 2^32 − 1 ranks");
        Ok(DoubleBinaryTree { ranks: ranks as u64, bytes, chunks: u64::from(chunks), trees: double_tree(n) })
    }

    /// Parent of `rank` in tree `tree` (0 or 1), `None` at the root.
    pub fn parent(&self, tree: usize, rank: usize) -> Option<usize> {
        let p = self.trees[tree].parent[rank];
        (p != NONE).then_some(p as usize)
    }

    fn per(&self) -> u64 {
        self.ranks.saturating_sub(1)
    }

    fn at(&self, op: u64) -> At {
        let n = self.per();
        let (group, index) = (op / n, op % n);
        let (chunk, tree, bcast) = (group / 4, (group / 2 % 2) as usize, group % 2 == 1);
        At { chunk, tree, bcast, rank: self.trees[tree].rank(index) }
    }

    fn id(&self, at: At) -> u64 {
        ((at.chunk * 2 + at.tree as u64) * 2 + u64::from(at.bcast)) * self.per() + self.trees[at.tree].index(at.rank)
    }
}

impl Schedule for DoubleBinaryTree {
    fn ranks(&self) -> usize {
        self.ranks as usize
    }

    fn ops(&self) -> u64 {
        4 * self.per() * self.chunks
    }

    fn transfer(&self, op: u64) -> Transfer {
        let at = self.at(op);
        let (hlo, hlen) = part(self.bytes, 2, at.tree as u64);
        let (clo, clen) = part(hlen, self.chunks, at.chunk);
        let parent = self.trees[at.tree].parent[at.rank as usize];
        let (src, dst) = if at.bcast { (parent, at.rank as u32) } else { (at.rank as u32, parent) };
        Transfer { src, dst, bytes: clen, offset: hlo + clo, reduce: !at.bcast }
    }

    fn deps(&self, op: u64) -> u32 {
        let at = self.at(op);
        let t = &self.trees[at.tree];
        let data = if !at.bcast {
            t.child_count(at.rank)
        } else if t.parent[at.rank as usize] == t.root {
            t.child_count(u64::from(t.root))
        } else {
            1
        };
        data + u32::from(at.chunk > 0)
    }

    fn dependents(&self, op: u64, out: &mut Vec<u64>) {
        let at = self.at(op);
        let t = &self.trees[at.tree];
        let parent = u64::from(t.parent[at.rank as usize]);
        if at.bcast {
            out.extend(t.children(at.rank).map(|c| self.id(At { rank: c, ..at })));
        } else if parent == u64::from(t.root) {
            out.extend(t.children(parent).map(|c| self.id(At { bcast: true, rank: c, ..at })));
        } else {
            out.push(self.id(At { rank: parent, ..at }));
        }
        if at.chunk + 1 < self.chunks {
            out.push(self.id(At { chunk: at.chunk + 1, ..at }));
        }
    }

    fn roots(&self, out: &mut Vec<u64>) {
        let start = out.len();
        for tree in 0..2 {
            let t = &self.trees[tree];
            for r in 0..self.ranks {
                if r != u64::from(t.root) && t.child_count(r) == 0 {
                    out.push(self.id(At { chunk: 0, tree, bcast: false, rank: r }));
                }
            }
        }
        out[start..].sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both trees span every rank from their root, parents and children agree, and every rank
    /// (but rank 0 for an odd rank count) has children in at most one tree (NCCL's
    /// complementarity).
    #[test]
    fn double_trees_are_complementary_spanning_trees() {
        for n in 1..=70u32 {
            let trees = double_tree(n);
            for (k, t) in trees.iter().enumerate() {
                assert_eq!(t.parent[t.root as usize], NONE, "n={n} tree {k}");
                for r in 0..n {
                    for &c in t.children[r as usize].iter().filter(|&&c| c != NONE) {
                        assert!(c < n);
                        assert_eq!(t.parent[c as usize], r, "n={n} tree {k}: child {c} of {r}");
                    }
                    // Walk up: reaches the root within n steps (no cycle).
                    let (mut x, mut hops) = (r, 0);
                    while x != t.root {
                        let p = t.parent[x as usize];
                        assert!(p != NONE && t.children[p as usize].contains(&x), "n={n} tree {k} rank {x}");
                        x = p;
                        hops += 1;
                        assert!(hops <= n);
                    }
                }
            }
            for r in usize::from(n % 2 == 1)..n as usize {
                {
                    let interior = trees.iter().filter(|t| t.children[r].iter().any(|&c| c != NONE)).count();
                    assert!(interior <= 1, "n={n}: rank {r} is interior in both trees");
                }
            }
        }
    }

    /// The 14-rank example drawn in NCCL's `trees.cc`.
    #[test]
    fn btree_matches_nccls_drawing() {
        assert_eq!(btree(14, 0), (NONE, [8, NONE]));
        assert_eq!(btree(14, 8), (0, [4, 12]));
        assert_eq!(btree(14, 12), (8, [10, 13]));
        assert_eq!(btree(14, 13), (12, [NONE, NONE]));
        assert_eq!(btree(14, 6), (4, [5, 7]));
    }
}
