//! Priority queues for pending events.
//!
//! Every structure here pops entries in increasing [`EventKey`] order; keys are unique because
//! `seq` is a global counter, so all structures pop the identical sequence and the choice between
//! them affects speed only. The choice of [`DefaultQueue`] is made by measurement
//! (`cargo bench -p sim-core --bench event_queue`, figures in BENCHMARKS.md).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// Total order of events: time first, then insertion order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    /// When the event happens [ps].
    pub time: SimTime,
    /// Global insertion counter; breaks ties first-in first-out.
    pub seq: u64,
}

/// A min-priority queue of `(key, slot)` pairs, where `slot` indexes an event body held elsewhere.
///
/// Callers never push a key smaller than the last popped key (the engine forbids scheduling into
/// the past); structures may rely on this monotonicity.
pub trait EventQueue {
    /// Inserts an entry.
    fn push(&mut self, key: EventKey, slot: u32);
    /// Removes and returns the entry with the smallest key.
    fn pop(&mut self) -> Option<(EventKey, u32)>;
    /// The smallest key, without removing it. `&mut` so lazy structures may reorganise.
    fn peek_key(&mut self) -> Option<EventKey>;
    /// Number of entries.
    fn len(&self) -> usize;
    /// Whether there are no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The standard library's binary heap.
#[derive(Debug, Default)]
pub struct BinaryHeapQueue {
    heap: BinaryHeap<Reverse<(EventKey, u32)>>,
}

impl EventQueue for BinaryHeapQueue {
    fn push(&mut self, key: EventKey, slot: u32) {
        self.heap.push(Reverse((key, slot)));
    }
    fn pop(&mut self) -> Option<(EventKey, u32)> {
        self.heap.pop().map(|Reverse(e)| e)
    }
    fn peek_key(&mut self) -> Option<EventKey> {
        self.heap.peek().map(|Reverse((k, _))| *k)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// The queue the engine uses unless told otherwise.
pub type DefaultQueue = BinaryHeapQueue;
