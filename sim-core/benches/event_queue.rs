//! Event-queue throughput in the classic **hold model** (Jones 1986; Vaucher & Duval 1975).
//!
//! The queue is pre-filled with `N` events at random times, then each operation pops the minimum and
//! pushes one new event at the popped time plus a random increment (exponential, mean 1 µs, in
//! picoseconds), so `N` stays constant. Reported throughput is hold operations (one pop + one push)
//! per second, i.e. simulated events per second. Increments are precomputed from a seeded ChaCha8
//! stream; pre-fill and a warm-up of `N` hold operations happen outside the timed loop.
//!
//! Run with `CARGO_TARGET_DIR=/work/target-queue cargo bench -p sim-core --bench event_queue`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim_core::queue::{
    BinaryHeapQueue, DefaultQueue, EventKey, EventQueue, HybridQueue, QuaternaryHeapQueue, RadixHeapQueue,
};
use sim_core::SimTime;

/// Pending-event counts.
const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Pending-event counts between those, to locate where the radix heap overtakes the 4-ary heap
/// (which sets `HYBRID_THRESHOLD`).
const CROSSOVER_SIZES: [usize; 3] = [10_000, 30_000, 60_000];
/// Hold operations per timed iteration.
const OPS_PER_ITER: u64 = 10_000;
/// Precomputed increments (a power of two; the table is cycled).
const INCREMENTS: usize = 1 << 16;
/// Mean increment [ps] = 1 µs.
const MEAN_INCREMENT_PS: f64 = 1e6;

/// A queue in the hold model's steady state.
struct Hold<Q> {
    queue: Q,
    increments: Vec<u64>,
    cursor: usize,
    next_seq: u64,
}

impl<Q: EventQueue + Default> Hold<Q> {
    fn new(n: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_0000 + n as u64);
        let mut exp = || (-(1.0 - rng.random::<f64>()).ln() * MEAN_INCREMENT_PS) as u64;
        let increments: Vec<u64> = (0..INCREMENTS).map(|_| exp()).collect();
        let mut queue = Q::default();
        for seq in 0..n as u64 {
            queue.push(EventKey { time: SimTime(exp()), seq }, seq as u32);
        }
        let mut hold = Hold { queue, increments, cursor: 0, next_seq: n as u64 };
        hold.run(n as u64);
        hold
    }

    #[inline]
    fn run(&mut self, ops: u64) -> u64 {
        for _ in 0..ops {
            let (key, slot) = self.queue.pop().expect("the hold model never empties the queue");
            let inc = self.increments[self.cursor & (INCREMENTS - 1)];
            self.cursor = self.cursor.wrapping_add(1);
            self.queue.push(EventKey { time: SimTime(key.time.0 + inc), seq: self.next_seq }, slot);
            self.next_seq += 1;
        }
        self.next_seq
    }
}

fn bench_queue<Q: EventQueue + Default>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, n: usize) {
    let mut hold = Hold::<Q>::new(n);
    group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| b.iter(|| black_box(hold.run(OPS_PER_ITER))));
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(OPS_PER_ITER));
}

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    configure(&mut group);
    for n in SIZES {
        bench_queue::<BinaryHeapQueue>(&mut group, "binary", n);
        bench_queue::<QuaternaryHeapQueue>(&mut group, "4-ary", n);
        bench_queue::<RadixHeapQueue>(&mut group, "radix", n);
        bench_queue::<HybridQueue>(&mut group, "hybrid", n);
        bench_queue::<DefaultQueue>(&mut group, "default", n);
    }
    group.finish();

    let mut group = c.benchmark_group("hold-crossover");
    configure(&mut group);
    for n in CROSSOVER_SIZES {
        bench_queue::<QuaternaryHeapQueue>(&mut group, "4-ary", n);
        bench_queue::<RadixHeapQueue>(&mut group, "radix", n);
    }
    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
