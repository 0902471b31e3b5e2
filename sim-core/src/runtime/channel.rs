//! In-order message channels over the flow network, shared by the runtimes.
//!
//! Every message is a flow, and flows started on one connection may finish out of order (a small
//! message overtakes a large one). A connection delivers like TCP: a message that arrives early is
//! held until every message sent before it on the same connection has been delivered.

use std::collections::BTreeMap;

/// One direction of one connection.
struct Connection<P> {
    next_send: u64,
    next_deliver: u64,
    held: BTreeMap<u64, P>,
}

/// `n` in-order connections and the messages in flight on them, each identified by a tag that the
/// caller gives its flow ([`crate::FlowNetwork::start`]) and hands back on completion.
pub(crate) struct Channels<P> {
    conns: Vec<Connection<P>>,
    /// Messages in flight by tag: (connection, sequence number, payload); freed slots are reused.
    in_flight: Vec<Option<(usize, u64, P)>>,
    free: Vec<u32>,
}

impl<P> Channels<P> {
    /// `n` connections, all empty.
    pub(crate) fn new(n: usize) -> Self {
        Channels {
            conns: (0..n).map(|_| Connection { next_send: 0, next_deliver: 0, held: BTreeMap::new() }).collect(),
            in_flight: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Sends `payload` on connection `conn`; returns the tag for its flow.
    pub(crate) fn post(&mut self, conn: usize, payload: P) -> u64 {
        let seq = self.conns[conn].next_send;
        self.conns[conn].next_send += 1;
        let msg = Some((conn, seq, payload));
        let slot = match self.free.pop() {
            Some(s) => {
                self.in_flight[s as usize] = msg;
                s
            }
            None => {
                self.in_flight.push(msg);
                (self.in_flight.len() - 1) as u32
            }
        };
        u64::from(slot)
    }

    /// The flow tagged `tag` has arrived: returns its connection and the payloads now deliverable on
    /// it, in send order (none if an earlier message is still in flight).
    ///
    /// # Panics
    /// If no message with `tag` is in flight.
    pub(crate) fn arrive(&mut self, tag: u64) -> (usize, Vec<P>) {
        let (conn, seq, payload) = self.in_flight[tag as usize].take().expect("message in flight");
        self.free.push(tag as u32);
        let c = &mut self.conns[conn];
        c.held.insert(seq, payload);
        let mut ready = Vec::new();
        while let Some(p) = c.held.remove(&c.next_deliver) {
            c.next_deliver += 1;
            ready.push(p);
        }
        (conn, ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_overtakes_is_held_until_its_predecessors_arrive() {
        let mut ch = Channels::new(2);
        let a = ch.post(0, "a");
        let b = ch.post(0, "b");
        let x = ch.post(1, "x");
        let c = ch.post(0, "c");
        assert_eq!(ch.arrive(c), (0, vec![]));
        assert_eq!(ch.arrive(x), (1, vec!["x"]));
        assert_eq!(ch.arrive(b), (0, vec![]));
        assert_eq!(ch.arrive(a), (0, vec!["a", "b", "c"]));
        // Slots are reused.
        assert!(ch.post(1, "y") <= 3);
    }
}
