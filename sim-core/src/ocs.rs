//! Optical circuit switches: fabrics whose links (circuits) are set, torn down and set again.
//!
//! A circuit is a link of the platform between two ports (GPUs' optical I/O ports, or hosts).
//! Reconfiguring an OCS takes a stated delay during which **the affected circuits carry nothing**;
//! circuits not involved keep carrying traffic (a MEMS OCS moves only the mirrors of the ports it
//! reconfigures). Delays by switch technology are in the hardware catalogue (milliseconds for
//! MEMS, microseconds for fast OCS; see REFERENCE §7.3 and TopoOpt, Wang et al., NSDI 2023 §2).

use crate::flow::FlowNetwork;
use crate::platform::LinkId;
use crate::routing::Router;
use crate::time::{SimDuration, SimTime};

/// Starts a reconfiguration at `now`: the circuits in `tear_down` go dark for good, those in
/// `set_up` go dark now and carry traffic from `now + delay`. A circuit in both lists is
/// re-established: it is dark for exactly `delay`. Flows crossing a dark circuit stall (their
/// bytes wait; nothing is lost) and resume when it is up. The router routes new flows over the
/// new configuration at once, so a flow started during the delay waits for its circuits.
/// Returns the time at which the new circuits are up.
///
/// # Panics
/// If `now` is before the network's current time or after an unprocessed flow event.
pub fn reconfigure(
    net: &mut FlowNetwork,
    router: &mut Router,
    now: SimTime,
    tear_down: &[LinkId],
    set_up: &[LinkId],
    delay: SimDuration,
) -> SimTime {
    let ready = now + delay;
    for &l in tear_down {
        router.set_link_up(l, false);
        net.set_link_up(now, l, false);
    }
    for &l in set_up {
        router.set_link_up(l, true);
        net.set_link_up(now, l, false);
        net.schedule_link_up(ready, l, true);
    }
    ready
}
