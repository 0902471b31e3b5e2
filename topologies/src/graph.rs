//! The petgraph form of a platform, and its conversion into a plain [`sim_core::Platform`].
//!
//! Every builder in this crate first assembles a [`PlatformGraph`] (an undirected petgraph whose
//! vertices are hosts and switches and whose edges are cables), checks it, then converts it. Node and
//! edge indices are insertion order (nothing is ever removed), and the conversion keeps that order:
//! graph node `i` becomes [`NodeId`]`(i)`, and graph edge `e` becomes links `2e` (`a → b`) and `2e + 1`
//! (`b → a`), where `a` and `b` are the endpoints in the order they were passed to `connect`.

use std::collections::BTreeSet;

use petgraph::algo::connected_components;
use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use sim_core::{ComputeDevice, LinkSpec, NodeId, Platform, SimDuration};

use crate::TopologyError;

/// A vertex of a [`PlatformGraph`]: a host or a switch.
#[derive(Clone, Debug, PartialEq)]
pub enum Vertex {
    /// A machine with a compute device.
    Host {
        /// Unique name, e.g. `"host3"`.
        name: String,
        /// Its compute device.
        device: ComputeDevice,
        /// Data center (site) index; 0 on single-site platforms.
        site: u32,
    },
    /// A packet switch.
    Switch {
        /// Unique name, e.g. `"leaf1"`.
        name: String,
        /// Forwarding latency per traversal [ps].
        hop_latency: SimDuration,
        /// Data center (site) index; 0 on single-site platforms.
        site: u32,
    },
}

impl Vertex {
    /// The vertex name.
    pub fn name(&self) -> &str {
        match self {
            Vertex::Host { name, .. } | Vertex::Switch { name, .. } => name,
        }
    }
}

/// An edge of a [`PlatformGraph`]: one cable.
#[derive(Clone, Debug, PartialEq)]
pub enum Cable {
    /// Both directions alike (full duplex, or a half-duplex shared medium if `half_duplex`).
    Symmetric(LinkSpec),
    /// Full duplex with different directions (measured WAN paths). `forward` is the direction from the
    /// first endpoint passed to [`PlatformGraph::connect_asymmetric`] to the second.
    Asymmetric {
        /// First endpoint → second endpoint.
        forward: LinkSpec,
        /// Second endpoint → first endpoint.
        backward: LinkSpec,
    },
}

/// A platform under construction, as an undirected petgraph of hosts, switches and cables.
#[derive(Clone, Debug, Default)]
pub struct PlatformGraph {
    graph: UnGraph<Vertex, Cable>,
}

impl PlatformGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a host and returns its index (= its future [`NodeId`]).
    pub fn add_host(&mut self, name: impl Into<String>, device: ComputeDevice, site: u32) -> NodeIndex {
        self.graph.add_node(Vertex::Host { name: name.into(), device, site })
    }

    /// Adds a switch with forwarding latency `hop_latency` [ps] and returns its index.
    pub fn add_switch(&mut self, name: impl Into<String>, hop_latency: SimDuration, site: u32) -> NodeIndex {
        self.graph.add_node(Vertex::Switch { name: name.into(), hop_latency, site })
    }

    /// Adds a cable between `a` and `b` whose two directions are both `spec`.
    pub fn connect(&mut self, a: NodeIndex, b: NodeIndex, spec: LinkSpec) -> EdgeIndex {
        self.graph.add_edge(a, b, Cable::Symmetric(spec))
    }

    /// Adds a full-duplex cable whose direction `a → b` is `a_to_b` and `b → a` is `b_to_a`.
    pub fn connect_asymmetric(&mut self, a: NodeIndex, b: NodeIndex, a_to_b: LinkSpec, b_to_a: LinkSpec) -> EdgeIndex {
        self.graph.add_edge(a, b, Cable::Asymmetric { forward: a_to_b, backward: b_to_a })
    }

    /// The underlying petgraph, for analysis (degrees, paths, components).
    pub fn graph(&self) -> &UnGraph<Vertex, Cable> {
        &self.graph
    }

    /// Checks the graph and converts it into a [`Platform`], keeping node and edge order (see the
    /// module docs for the index mapping).
    ///
    /// # Errors
    /// [`TopologyError::Disconnected`] if the graph has more than one connected component (checked with
    /// `petgraph::algo::connected_components`); [`TopologyError::DuplicateName`] if two nodes share a
    /// name; [`TopologyError::InvalidCable`] for a self-loop, a zero bandwidth, or an asymmetric cable
    /// marked half duplex; [`TopologyError::TooLarge`] beyond [`crate::MAX_NODES`] nodes or [`crate::MAX_LINKS`] links.
    ///
    /// # Complexity
    /// Time **O(V log V + E)** (the name check is a `BTreeSet`).
    pub fn into_platform(self) -> Result<Platform, TopologyError> {
        let g = self.graph;
        let too_large = |field, n: usize| TopologyError::TooLarge { field, value: n as u64 };
        if g.node_count() as u64 > crate::MAX_NODES {
            return Err(too_large("nodes", g.node_count()));
        }
        if g.edge_count() as u64 > crate::MAX_LINKS / 2 {
            return Err(too_large("links", g.edge_count() * 2));
        }
        let components = connected_components(&g);
        if components > 1 {
            return Err(TopologyError::Disconnected { components });
        }
        let mut names = BTreeSet::new();
        for v in g.node_weights() {
            if !names.insert(v.name()) {
                return Err(TopologyError::DuplicateName { name: v.name().to_owned() });
            }
        }
        for e in g.edge_references() {
            let invalid = |reason| Err(TopologyError::InvalidCable { edge: e.id().index(), reason });
            if e.source() == e.target() {
                return invalid("a cable must join two distinct nodes");
            }
            match e.weight() {
                Cable::Symmetric(s) if s.bandwidth.0 == 0 => return invalid("bandwidth is 0"),
                Cable::Asymmetric { forward, backward } => {
                    if forward.bandwidth.0 == 0 || backward.bandwidth.0 == 0 {
                        return invalid("bandwidth is 0");
                    }
                    if forward.half_duplex || backward.half_duplex {
                        return invalid("an asymmetric cable cannot be half duplex");
                    }
                }
                Cable::Symmetric(_) => {}
            }
        }

        let mut platform = Platform::new();
        for (i, v) in g.node_indices().zip(g.node_weights()) {
            let id = match v {
                Vertex::Host { name, device, site } => platform.add_host(name.clone(), device.clone(), *site),
                Vertex::Switch { name, hop_latency, site } => platform.add_switch(name.clone(), *hop_latency, *site),
            };
            assert_eq!(id.index(), i.index(), "graph node order must equal platform node order");
        }
        for e in g.edge_references() {
            let (a, b) = (node_id(e.source()), node_id(e.target()));
            let (ab, _) = match e.weight() {
                Cable::Symmetric(spec) => platform.connect(a, b, spec),
                Cable::Asymmetric { forward, backward } => platform.connect_asymmetric(a, b, forward, backward),
            };
            assert_eq!(ab.index(), 2 * e.id().index(), "graph edge order must equal platform link order");
        }
        Ok(platform)
    }
}

fn node_id(i: NodeIndex) -> NodeId {
    NodeId(u32::try_from(i.index()).expect("node count was checked"))
}
