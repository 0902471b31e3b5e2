//! Unit tests: every schedule keeps the [`Schedule`] contract, and every algorithm computes what
//! it claims when run by the executor (replayed with symbolic data).

use super::schedule::part;
use super::*;
use crate::platform::LinkSpec;
use crate::time::{transfer_time, BytesPerSec, SimDuration};

/// N hosts on one switch (zero hop latency), full-duplex links of latency `latency` and bandwidth `bw`.
fn star(n: usize, bw: BytesPerSec, latency: SimDuration) -> (Platform, Vec<NodeId>) {
    let mut p = Platform::new();
    let sw = p.add_switch("switch", SimDuration::ZERO, 0);
    let dev = crate::compute::test_device();
    let hosts: Vec<NodeId> = (0..n).map(|i| p.add_host(format!("h{i}"), dev.clone(), 0)).collect();
    for &h in &hosts {
        p.connect(h, sw, &LinkSpec::new(bw, latency));
    }
    (p, hosts)
}

/// Checks the [`Schedule`] contract by enumerating every op: dependency counts match the
/// dependents lists, roots are exactly the ops without dependencies, transfers name valid distinct
/// ranks, and the graph is acyclic (Kahn's algorithm visits every op).
fn check_contract(s: &dyn Schedule, what: &str) {
    let n = s.ops() as usize;
    let mut count = vec![0u32; n];
    let mut out = Vec::new();
    let mut adj = Vec::with_capacity(n);
    for op in 0..n as u64 {
        let t = s.transfer(op);
        assert!((t.src as usize) < s.ranks() && (t.dst as usize) < s.ranks(), "{what}: op {op} {t:?}");
        assert_ne!(t.src, t.dst, "{what}: op {op} sends to itself");
        out.clear();
        s.dependents(op, &mut out);
        let mut sorted = out.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), out.len(), "{what}: op {op} lists a dependent twice: {out:?}");
        for &d in &out {
            assert!((d as usize) < n, "{what}: op {op} has dependent {d} of {n}");
            count[d as usize] += 1;
        }
        adj.push(out.clone());
    }
    for (op, &c) in count.iter().enumerate() {
        assert_eq!(c, s.deps(op as u64), "{what}: deps of op {op}");
    }
    let mut roots = Vec::new();
    s.roots(&mut roots);
    let want: Vec<u64> = (0..n as u64).filter(|&op| s.deps(op) == 0).collect();
    assert_eq!(roots, want, "{what}: roots");
    let mut left = count;
    let mut stack = roots;
    let mut seen = 0;
    while let Some(op) = stack.pop() {
        seen += 1;
        for &d in &adj[op as usize] {
            left[d as usize] -= 1;
            if left[d as usize] == 0 {
                stack.push(d);
            }
        }
    }
    assert_eq!(seen, n, "{what}: the dependency graph has a cycle");
}

/// Each rank's buffer, one entry per byte: how many times each rank's contribution is in it.
type State = Vec<Vec<Vec<u32>>>;

/// Runs `s` on a star with records, then replays the records on symbolic data: a transfer takes a
/// snapshot of its sender's bytes when its flow starts and adds (reduce) or copies them into the
/// receiver's when it finishes.
fn replay(what: &str, make: impl Fn() -> Box<dyn Schedule>, bytes: u64, init: State) -> State {
    let p = make().ranks();
    let (plat, hosts) = star(p, BytesPerSec(1_000_000_007), SimDuration::from_ns(3));
    let state = replay_on(&plat, &hosts, make(), bytes, init.clone());
    // Again with uneven links (1 to 8 GB/s, 0 to 7 ns), so that completions arrive out of order.
    let mut plat = Platform::new();
    let sw = plat.add_switch("switch", SimDuration::ZERO, 0);
    let hosts: Vec<NodeId> = (0..p).map(|i| plat.add_host(format!("h{i}"), crate::compute::test_device(), 0)).collect();
    for (i, &h) in hosts.iter().enumerate() {
        let x = crate::rng::mix64(i as u64);
        let spec = LinkSpec::new(BytesPerSec(1_000_000_000 * (1 + x % 8)), SimDuration::from_ns(x / 8 % 8));
        plat.connect(h, sw, &spec);
    }
    let uneven = replay_on(&plat, &hosts, make(), bytes, init);
    assert_eq!(state, uneven, "{what}: the result depends on timing");
    state
}

fn replay_on(plat: &Platform, hosts: &[NodeId], s: Box<dyn Schedule>, bytes: u64, mut state: State) -> State {
    let mut router = Router::new(plat);
    let mut net = FlowNetwork::new(plat);
    let options = ExecOptions { record: true, ..ExecOptions::default() };
    let mut exec = [Execution::new(s, hosts.to_vec(), SimTime(5), options).unwrap()];
    run(plat, &mut router, &mut net, &mut exec).unwrap();
    let e = &exec[0];
    assert!(e.is_finished());
    assert_eq!(e.records().len() as u64, e.schedule().ops(), "every op ran once");
    // (time, 0 = finish | 1 = start, record index): finishes first, in completion order (which
    // puts an op after the ops it waited for). A zero-time op starts and finishes as one event.
    let mut events: Vec<(SimTime, u8, usize)> = Vec::new();
    for (i, r) in e.records().iter().enumerate() {
        if r.started < r.finished {
            events.push((r.started, 1, i));
        }
        events.push((r.finished, 0, i));
    }
    events.sort_unstable();
    let mut payload: Vec<Option<Vec<Vec<u32>>>> = vec![None; e.records().len()];
    for (_, kind, i) in events {
        let t = e.schedule().transfer(e.records()[i].op);
        let range = t.offset as usize..(t.offset + t.bytes) as usize;
        assert!(range.end as u64 <= bytes, "{t:?} beyond the buffer");
        if kind == 1 {
            payload[i] = Some(state[t.src as usize][range].to_vec());
        } else {
            let data = payload[i].take().unwrap_or_else(|| state[t.src as usize][range.clone()].to_vec());
            for (dst, src) in state[t.dst as usize][range].iter_mut().zip(data) {
                if t.reduce {
                    dst.iter_mut().zip(&src).for_each(|(a, b)| *a += b);
                } else {
                    *dst = src;
                }
            }
        }
    }
    state
}

fn unit(p: usize, r: usize) -> Vec<u32> {
    let mut v = vec![0; p];
    v[r] = 1;
    v
}

/// Every rank starts with its own contribution in every byte.
fn own(p: usize, bytes: u64) -> State {
    (0..p).map(|r| vec![unit(p, r); bytes as usize]).collect()
}

#[test]
fn all_reduce_algorithms_sum_every_contribution_once() {
    for p in 1..=13usize {
        for chunks in [1u32, 2, 3] {
            for bytes in [0u64, 5, 37] {
                let mut algos = vec![
                    AllReduceAlgorithm::Ring,
                    AllReduceAlgorithm::DoubleBinaryTree,
                    AllReduceAlgorithm::HalvingDoubling,
                ];
                algos
                    .extend((1..=p).filter(|g| p % g == 0).map(|g| AllReduceAlgorithm::Hierarchical { group_size: g }));
                for algo in algos {
                    let what = format!("{algo:?} p={p} c={chunks} M={bytes}");
                    let make = || Collective::AllReduce(algo).schedule(p, bytes, chunks).unwrap();
                    check_contract(&*make(), &what);
                    let end = replay(&what, make, bytes, own(p, bytes));
                    for (r, buf) in end.iter().enumerate() {
                        assert!(buf.iter().all(|x| x.iter().all(|&c| c == 1)), "{what}: rank {r}: {buf:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn reduce_scatter_leaves_part_i_of_each_chunk_reduced_on_rank_i() {
    for p in 1..=7usize {
        for chunks in [1u32, 2, 3] {
            let bytes = 37;
            let make = || Collective::ReduceScatter.schedule(p, bytes, chunks).unwrap();
            check_contract(&*make(), "reduce-scatter");
            let end = replay("reduce-scatter", make, bytes, own(p, bytes));
            for j in 0..u64::from(chunks) {
                let (clo, clen) = part(bytes, u64::from(chunks), j);
                for (r, buf) in end.iter().enumerate() {
                    let (o, n) = part(clen, p as u64, r as u64);
                    for x in &buf[(clo + o) as usize..(clo + o + n) as usize] {
                        assert!(x.iter().all(|&c| c == 1), "p={p} c={chunks} rank {r}: {x:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn all_gather_and_broadcast_deliver_the_owners_bytes() {
    for p in 1..=9usize {
        for chunks in [1u32, 3] {
            let bytes = 37;
            let c = u64::from(chunks);
            // All-gather: rank r owns part r of every chunk.
            let owner = |u: u64| {
                let j = (0..c).find(|&j| part(bytes, c, j).0 + part(bytes, c, j).1 > u).unwrap();
                let (clo, clen) = part(bytes, c, j);
                (0..p as u64).find(|&r| clo + part(clen, p as u64, r).0 + part(clen, p as u64, r).1 > u).unwrap()
                    as usize
            };
            let init: State = (0..p)
                .map(|r| (0..bytes).map(|u| if owner(u) == r { unit(p, r) } else { vec![0; p] }).collect())
                .collect();
            let make = || Collective::AllGather.schedule(p, bytes, chunks).unwrap();
            check_contract(&*make(), "all-gather");
            for buf in replay("all-gather", make, bytes, init) {
                for (u, x) in buf.iter().enumerate() {
                    assert_eq!(*x, unit(p, owner(u as u64)), "all-gather p={p} c={chunks} byte {u}");
                }
            }
            for root in [0, p - 1, p / 2] {
                for algorithm in [BroadcastAlgorithm::Pipeline, BroadcastAlgorithm::BinomialTree] {
                    let what = format!("{algorithm:?} p={p} c={chunks} root={root}");
                    let init: State = (0..p)
                        .map(|r| vec![if r == root { unit(p, root) } else { vec![0; p] }; bytes as usize])
                        .collect();
                    let make = || Collective::Broadcast { root, algorithm }.schedule(p, bytes, chunks).unwrap();
                    check_contract(&*make(), &what);
                    for buf in replay(&what, make, bytes, init) {
                        assert!(buf.iter().all(|x| *x == unit(p, root)), "{what}");
                    }
                }
            }
        }
    }
}

/// All-to-all: every ordered pair exchanges exactly the receiver's block of the sender's buffer.
#[test]
fn all_to_all_sends_every_block_once() {
    for p in 1..=7usize {
        for chunks in [1u32, 2] {
            for algo in [AllToAllAlgorithm::AllAtOnce, AllToAllAlgorithm::Pairwise] {
                let bytes = 37;
                let s = Collective::AllToAll(algo).schedule(p, bytes, chunks).unwrap();
                check_contract(&*s, "all-to-all");
                let mut got = vec![vec![Vec::new(); p]; p];
                for op in 0..s.ops() {
                    let t = s.transfer(op);
                    got[t.src as usize][t.dst as usize].push((t.offset, t.bytes));
                }
                for (src, row) in got.iter_mut().enumerate() {
                    for (dst, pieces) in row.iter_mut().enumerate() {
                        pieces.sort_unstable();
                        let (lo, len) = part(bytes, p as u64, dst as u64);
                        let mut at = lo;
                        for &(o, n) in pieces.iter() {
                            assert_eq!(o, at, "{algo:?} p={p} {src}->{dst}");
                            at += n;
                        }
                        assert_eq!(at - lo, if src == dst { 0 } else { len });
                    }
                }
            }
        }
    }
}

/// System: the star, N hosts, per-link latency L and bandwidth B; ring all-reduce of M bytes, M
/// divisible by N, through the original `ring_all_reduce` entry point.
/// Expectation: 2(N−1)(2L + M/(N·B)), exact to the picosecond rounding of each step.
#[test]
fn ring_all_reduce_matches_closed_form() {
    for n in [2u64, 3, 4, 8, 16] {
        let latency = SimDuration::from_ns(1_500);
        let bw = BytesPerSec(12_500_000_000);
        let m = 48_000_000 * n;
        let (p, hosts) = star(n as usize, bw, latency);
        let mut router = Router::new(&p);
        let mut net = FlowNetwork::new(&p);
        let end = ring_all_reduce(&p, &mut router, &mut net, &hosts, m, SimTime::ZERO).unwrap();
        let step = SimDuration(2 * latency.0) + transfer_time(m / n, bw);
        assert_eq!(end, SimTime(2 * (n - 1) * step.0), "n = {n}");
    }
}

/// Explicit schedules reject forward and duplicate dependencies and unknown ranks; a one-op
/// collective completes after latency + size/bandwidth; a host list of the wrong length is refused.
#[test]
fn explicit_schedules_are_checked_and_run() {
    let t = |src, dst| Transfer { src, dst, bytes: 1_000, offset: 0, reduce: false };
    assert_eq!(
        ExplicitSchedule::new(2, vec![(t(0, 1), vec![0])]).unwrap_err(),
        CollectiveError::BadDependency { op: 0, dep: 0 }
    );
    assert_eq!(
        ExplicitSchedule::new(2, vec![(t(0, 1), vec![]), (t(1, 0), vec![0, 0])]).unwrap_err(),
        CollectiveError::BadDependency { op: 1, dep: 0 }
    );
    assert!(matches!(ExplicitSchedule::new(2, vec![(t(0, 2), vec![])]), Err(CollectiveError::BadRank { rank: 2, .. })));
    let s = ExplicitSchedule::new(2, vec![(t(0, 1), vec![]), (t(1, 0), vec![0])]).unwrap();
    check_contract(&s, "explicit");
    let (p, hosts) = star(2, BytesPerSec(1_000_000), SimDuration::from_ns(10));
    assert!(matches!(
        Execution::new(Box::new(s.clone()), hosts[..1].to_vec(), SimTime::ZERO, ExecOptions::default()),
        Err(CollectiveError::RankMismatch { ranks: 2, hosts: 1 })
    ));
    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    let mut e = [Execution::new(Box::new(s), hosts, SimTime::ZERO, ExecOptions::default()).unwrap()];
    run(&p, &mut router, &mut net, &mut e).unwrap();
    // Two sequential transfers of 1 ms each plus 20 ns latency each.
    assert_eq!(e[0].stats().end, SimTime(2 * (20_000 + 1_000_000_000)));
    assert_eq!((e[0].stats().flows, e[0].stats().bytes), (2, 2_000));
}

/// Builders reject zero chunks, a root outside the ranks and group sizes that do not divide.
#[test]
fn builders_reject_bad_parameters() {
    let ring = Collective::AllReduce(AllReduceAlgorithm::Ring);
    assert_eq!(ring.schedule(4, 10, 0).unwrap_err(), CollectiveError::ZeroChunks);
    let b = Collective::Broadcast { root: 4, algorithm: BroadcastAlgorithm::Pipeline };
    assert_eq!(b.schedule(4, 10, 1).unwrap_err(), CollectiveError::BadRoot { root: 4, ranks: 4 });
    let h = Collective::AllReduce(AllReduceAlgorithm::Hierarchical { group_size: 3 });
    assert_eq!(h.schedule(8, 10, 1).unwrap_err(), CollectiveError::BadGroups { ranks: 8, group_size: 3 });
    let groups = vec![vec![NodeId(0), NodeId(1)], vec![NodeId(2)]];
    assert_eq!(flatten_groups(&groups).unwrap_err(), CollectiveError::UnequalGroups { group: 1, size: 1, expected: 2 });
}
