//! The discrete-event engine: a clock and a totally ordered queue of future events.
//!
//! Events are keyed `(SimTime, seq)` where `seq` is a global insertion counter, so events at the
//! same instant run first-in first-out and every run pops the identical order. Queue entries stay
//! small (key + slot index); event bodies live in a separate slab. Scheduling into the past is a
//! causality bug and panics.

use crate::queue::{DefaultQueue, EventKey, EventQueue};
use crate::time::{SimDuration, SimTime};

/// A simulation clock and its pending events of type `E`.
///
/// `Q` is the priority-queue structure (see [`crate::queue`]); all structures pop the same order.
#[derive(Debug)]
pub struct Simulation<E, Q: EventQueue = DefaultQueue> {
    now: SimTime,
    next_seq: u64,
    queue: Q,
    bodies: Vec<Option<E>>,
    free_slots: Vec<u32>,
    processed: u64,
    /// Events popped with a time before the clock (see [`Self::time_regressions`]).
    regressions: u64,
}

impl<E> Simulation<E, DefaultQueue> {
    /// An empty simulation at time zero, using the default queue structure.
    pub fn new() -> Self {
        Self::with_queue(DefaultQueue::default())
    }
}

impl<E> Default for Simulation<E, DefaultQueue> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, Q: EventQueue> Simulation<E, Q> {
    /// An empty simulation at time zero on the given (empty) queue.
    pub fn with_queue(queue: Q) -> Self {
        assert_eq!(queue.len(), 0, "a simulation starts with an empty queue");
        Simulation {
            now: SimTime::ZERO,
            next_seq: 0,
            queue,
            bodies: Vec::new(),
            free_slots: Vec::new(),
            processed: 0,
            regressions: 0,
        }
    }

    /// The current simulated time [ps].
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events popped so far.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Number of events popped with a time earlier than the clock, which moved backwards to it.
    /// Always 0 unless a queue breaks its order (scheduling into the past panics); kept as a
    /// counter, checked by invariant tests, because a release build has no other guard.
    pub fn time_regressions(&self) -> u64 {
        self.regressions
    }

    /// Number of events waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// # Panics
    /// If `at` is earlier than [`Self::now`].
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "scheduling into the past: {at:?} < now {:?}", self.now);
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.bodies[s as usize] = Some(event);
                s
            }
            None => {
                self.bodies.push(Some(event));
                u32::try_from(self.bodies.len() - 1).expect("more than 2^32 pending events")
            }
        };
        let key = EventKey { time: at, seq: self.next_seq };
        self.next_seq += 1;
        self.queue.push(key, slot);
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Time of the earliest pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.queue.peek_key().map(|k| k.time)
    }

    /// Removes the earliest event, advances the clock to its time and returns it.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (key, slot) = self.queue.pop()?;
        if key.time < self.now {
            self.regressions += 1;
        }
        self.now = key.time;
        self.processed += 1;
        self.free_slots.push(slot);
        let body = self.bodies[slot as usize].take().expect("event slot emptied twice");
        Some((key.time, body))
    }

    /// Advances the clock to `t` without popping (used when another component, such as the flow
    /// network, owns the next occurrence).
    ///
    /// # Panics
    /// If `t` is before now or after the earliest pending event.
    pub fn advance_to(&mut self, t: SimTime) {
        assert!(t >= self.now, "time went backwards");
        if let Some(k) = self.queue.peek_key() {
            assert!(t <= k.time, "advancing past a pending event");
        }
        self.now = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_events_pop_first_in_first_out() {
        let mut sim: Simulation<u32> = Simulation::new();
        sim.schedule_at(SimTime(10), 1);
        sim.schedule_at(SimTime(5), 2);
        sim.schedule_at(SimTime(10), 3);
        sim.schedule_at(SimTime(5), 4);
        let order: Vec<u32> = std::iter::from_fn(|| sim.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![2, 4, 1, 3]);
        assert_eq!(sim.now(), SimTime(10));
    }

    #[test]
    #[should_panic(expected = "scheduling into the past")]
    fn scheduling_into_the_past_panics() {
        let mut sim: Simulation<()> = Simulation::new();
        sim.schedule_at(SimTime(10), ());
        sim.pop();
        sim.schedule_at(SimTime(9), ());
    }
}
