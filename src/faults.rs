//! Link faults of a scenario (`faults.links`) resolved against a platform: each cable named by its two
//! nodes becomes the links between them, both directions, with the change and its time.

use sim_core::{LinkFault, LinkId, Platform, SimTime};

use crate::scenario::{locate_in_list, FaultSpec, LinkEventSpec, ScenarioError};

/// One link changing at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkFaultEvent {
    /// Index of the `faults.links` entry it comes from.
    pub entry: usize,
    /// When [ps].
    pub at: SimTime,
    /// The link.
    pub link: LinkId,
    /// The change.
    pub fault: LinkFault,
}

/// `events` as a flow network schedules them: (when [ps], link, change).
pub fn schedule(events: &[LinkFaultEvent]) -> Vec<(SimTime, LinkId, LinkFault)> {
    events.iter().map(|e| (e.at, e.link, e.fault)).collect()
}

/// The links of `faults.links` on `platform`, in the order given, each cable's links in id order.
///
/// # Errors
/// A [`ScenarioError`] at `faults.links[k].between` for a node the platform does not have or two
/// nodes no cable joins, and at `faults.links[k].event` for a degradation outside (0, 1].
pub fn resolve_link_faults(
    faults: &FaultSpec,
    platform: &Platform,
    text: &str,
    file_name: &str,
) -> Result<Vec<LinkFaultEvent>, ScenarioError> {
    let mut out = Vec::new();
    for (k, spec) in faults.links.iter().enumerate() {
        let at = |field: &str, message: String| ScenarioError {
            file: file_name.into(),
            position: locate_in_list(text, "faults.links", k, field),
            path: format!("faults.links[{k}].{field}"),
            message,
        };
        let fault = match spec.event {
            LinkEventSpec::Fail => LinkFault::Fail,
            LinkEventSpec::Restore => LinkFault::Restore,
            LinkEventSpec::Degrade(f) if f > 0.0 && f <= 1.0 => LinkFault::Degrade(f),
            LinkEventSpec::Degrade(f) => {
                return Err(at(
                    "event",
                    format!("a degraded cable keeps a fraction in (0, 1] of its bandwidth, not {f}"),
                ))
            }
        };
        let (a, b) = (&spec.between.0, &spec.between.1);
        let node = |name: &String| {
            platform.node_by_name(name).ok_or_else(|| at("between", format!("the platform has no node {name:?}")))
        };
        let (na, nb) = (node(a)?, node(b)?);
        let links: Vec<LinkId> = (0..platform.links.len() as u32)
            .map(LinkId)
            .filter(|l| {
                let link = &platform.links[l.index()];
                (link.src, link.dst) == (na, nb) || (link.src, link.dst) == (nb, na)
            })
            .collect();
        if links.is_empty() {
            return Err(at("between", format!("no cable joins {a:?} and {b:?}")));
        }
        out.extend(links.into_iter().map(|link| LinkFaultEvent { entry: k, at: SimTime(spec.at.0 .0), link, fault }));
    }
    Ok(out)
}
