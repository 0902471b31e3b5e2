//! The simulated hardware: nodes (hosts and switches) joined by links.
//!
//! A [`Platform`] is plain data in dense vectors indexed by [`NodeId`] and [`LinkId`]; topology
//! builders (the `topologies` crate) produce it and the engine only reads it. A **link** here is one
//! direction of transmission with its own capacity: a full-duplex cable is two links, a shared
//! half-duplex medium is one link used by both directions.

use crate::time::{BytesPerSec, SimDuration};
use crate::ComputeDevice;

/// Index of a node in [`Platform::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// Index of a link in [`Platform::links`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

impl NodeId {
    /// This id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    /// This id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a node is.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum NodeKind {
    /// A machine that computes and terminates flows.
    Host(ComputeDevice),
    /// A packet switch; a route through it pays `hop_latency` once.
    Switch {
        /// Forwarding latency per traversal [ps].
        hop_latency: SimDuration,
    },
}

/// A node of the platform.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Human-readable name, unique within the platform (`"dc0/host3"`, `"leaf1"`).
    pub name: String,
    /// Host or switch.
    pub kind: NodeKind,
    /// The data center (or site) this node belongs to; 0 on single-site platforms.
    pub site: u32,
    /// Whether routes may pass through this node. Always true for switches; true for a host
    /// that relays traffic between its links, as a GPU with optical I/O ports does on a
    /// direct-connect or circuit-switched fabric (its relayed flows share its links with its own).
    pub forwards: bool,
}

/// One direction of transmission between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Sending end.
    pub src: NodeId,
    /// Receiving end.
    pub dst: NodeId,
    /// Capacity shared by every flow that crosses this link [bytes/s].
    pub bandwidth: BytesPerSec,
    /// Propagation latency [ps].
    pub latency: SimDuration,
    /// Monetary price of the bytes sent over this link [USD per 10⁹ bytes]; 0 inside a data center.
    pub price_per_gb: f64,
    /// The half-duplex partner: the link that shares this one's medium, if any (`None` when
    /// full-duplex). A half-duplex cable is modelled as two ids that point at one capacity; see
    /// [`Platform::capacity_owner`].
    pub shared_with: Option<LinkId>,
}

/// Hosts, switches and the links between them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Platform {
    /// All nodes; [`NodeId`] indexes this vector.
    pub nodes: Vec<Node>,
    /// All links; [`LinkId`] indexes this vector.
    pub links: Vec<Link>,
    /// Outgoing links of each node, in insertion order (so routing is deterministic).
    pub out_links: Vec<Vec<LinkId>>,
}

/// Parameters of a cable between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// Capacity of each direction (full duplex) or of the shared medium (half duplex) [bytes/s].
    pub bandwidth: BytesPerSec,
    /// Propagation latency [ps].
    pub latency: SimDuration,
    /// Price of traffic [USD per 10⁹ bytes].
    pub price_per_gb: f64,
    /// Whether both directions share one capacity.
    pub half_duplex: bool,
}

impl LinkSpec {
    /// A full-duplex, free cable.
    pub fn new(bandwidth: BytesPerSec, latency: SimDuration) -> Self {
        LinkSpec { bandwidth, latency, price_per_gb: 0.0, half_duplex: false }
    }
}

impl Platform {
    /// An empty platform.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a host with compute device `device` and returns its id.
    pub fn add_host(&mut self, name: impl Into<String>, device: ComputeDevice, site: u32) -> NodeId {
        self.add_node(Node { name: name.into(), kind: NodeKind::Host(device), site, forwards: false })
    }

    /// Adds a switch with per-hop latency `hop_latency` [ps] and returns its id.
    pub fn add_switch(&mut self, name: impl Into<String>, hop_latency: SimDuration, site: u32) -> NodeId {
        self.add_node(Node { name: name.into(), kind: NodeKind::Switch { hop_latency }, site, forwards: true })
    }

    fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(u32::try_from(self.nodes.len()).expect("more than 2^32 nodes"));
        self.nodes.push(node);
        self.out_links.push(Vec::new());
        id
    }

    /// Adds a cable between `a` and `b` and returns its two directions `(a→b, b→a)`.
    ///
    /// # Panics
    /// If `a` or `b` is not a node of this platform, `a == b`, or the bandwidth is zero.
    pub fn connect(&mut self, a: NodeId, b: NodeId, spec: &LinkSpec) -> (LinkId, LinkId) {
        assert!(a.index() < self.nodes.len() && b.index() < self.nodes.len(), "unknown node");
        assert!(a != b, "a link must join two distinct nodes");
        assert!(spec.bandwidth.0 > 0, "a link needs a positive bandwidth");
        let ab = self.push_link(a, b, spec);
        let ba = self.push_link(b, a, spec);
        if spec.half_duplex {
            self.links[ab.index()].shared_with = Some(ba);
            self.links[ba.index()].shared_with = Some(ab);
        }
        (ab, ba)
    }

    /// Adds a full-duplex cable whose two directions differ (measured WAN paths are asymmetric) and
    /// returns `(a→b, b→a)`.
    ///
    /// # Panics
    /// As [`Self::connect`]; also if either spec asks for half duplex (which needs one capacity).
    pub fn connect_asymmetric(
        &mut self,
        a: NodeId,
        b: NodeId,
        a_to_b: &LinkSpec,
        b_to_a: &LinkSpec,
    ) -> (LinkId, LinkId) {
        assert!(a.index() < self.nodes.len() && b.index() < self.nodes.len(), "unknown node");
        assert!(a != b, "a link must join two distinct nodes");
        assert!(a_to_b.bandwidth.0 > 0 && b_to_a.bandwidth.0 > 0, "a link needs a positive bandwidth");
        assert!(!a_to_b.half_duplex && !b_to_a.half_duplex, "an asymmetric cable cannot be half duplex");
        (self.push_link(a, b, a_to_b), self.push_link(b, a, b_to_a))
    }

    fn push_link(&mut self, src: NodeId, dst: NodeId, spec: &LinkSpec) -> LinkId {
        let id = LinkId(u32::try_from(self.links.len()).expect("more than 2^32 links"));
        self.links.push(Link {
            src,
            dst,
            bandwidth: spec.bandwidth,
            latency: spec.latency,
            price_per_gb: spec.price_per_gb,
            shared_with: None,
        });
        self.out_links[src.index()].push(id);
        id
    }

    /// The link whose capacity `link` consumes: itself, or the lower id of a half-duplex pair.
    pub fn capacity_owner(&self, link: LinkId) -> LinkId {
        match self.links[link.index()].shared_with {
            Some(other) if other < link => other,
            _ => link,
        }
    }

    /// Ids of all hosts, in node order.
    pub fn hosts(&self) -> Vec<NodeId> {
        (0..self.nodes.len() as u32).map(NodeId).filter(|&n| self.is_host(n)).collect()
    }

    /// Lets host `node` relay traffic between its links (see [`Node::forwards`]).
    ///
    /// # Panics
    /// If `node` is not a node of this platform.
    pub fn set_forwarding(&mut self, node: NodeId, forwards: bool) {
        let n = &mut self.nodes[node.index()];
        n.forwards = forwards || matches!(n.kind, NodeKind::Switch { .. });
    }

    /// Whether `node` is a host.
    pub fn is_host(&self, node: NodeId) -> bool {
        matches!(self.nodes[node.index()].kind, NodeKind::Host(_))
    }

    /// The compute device of host `node`, or `None` for a switch.
    pub fn device(&self, node: NodeId) -> Option<&ComputeDevice> {
        match &self.nodes[node.index()].kind {
            NodeKind::Host(d) => Some(d),
            NodeKind::Switch { .. } => None,
        }
    }

    /// The node called `name`, if any.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name).map(|i| NodeId(i as u32))
    }
}
