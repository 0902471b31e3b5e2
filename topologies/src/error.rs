//! The one error type of this crate.

/// Why a platform could not be built from a spec.
///
/// Every variant names the offending field (as written in the spec struct) or region, and the value
/// that was rejected, so that the scenario loader can point at the line of the scenario file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// A count that must be at least 1 was 0.
    #[error("`{field}` must be at least 1, got {value}")]
    ZeroCount {
        /// Spec field, e.g. `"spines"`.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// A ratio that must be finite and positive was not.
    #[error("`{field}` must be finite and greater than 0, got {value}")]
    InvalidRatio {
        /// Spec field, e.g. `"oversubscription"`.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A bandwidth was zero, rounded to zero, or does not fit in `u64` bytes/s.
    #[error("`{field}` must be a bandwidth of at least 1 byte/s that fits in u64, got {value} bytes/s")]
    InvalidBandwidth {
        /// Spec field or derived quantity, e.g. `"host_link.bandwidth"`, `"leaf_spine_bandwidth"`.
        field: &'static str,
        /// The rejected value [bytes/s], before rounding to whole bytes/s.
        value: f64,
    },
    /// The platform would have more nodes or links than the 32-bit ids of `sim_core` can index.
    #[error("`{field}` = {value} makes the platform too large (more than 2^32 nodes or links)")]
    TooLarge {
        /// Spec field that drives the size.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// A region that is neither in the embedded measurements nor named by a WAN override.
    #[error("unknown region `{region}`: not in the embedded Skyplane AWS measurements (`cloud_regions::regions()`)")]
    UnknownRegion {
        /// The region id as given, e.g. `"aws:mars-1"`.
        region: String,
    },
    /// A region listed twice.
    #[error("region `{region}` is listed more than once")]
    DuplicateRegion {
        /// The repeated region id.
        region: String,
    },
    /// Two known regions with no measured path (and no override) in direction `src → dst`.
    #[error("no measured WAN path from `{src}` to `{dst}` and no override for it")]
    MissingWanPath {
        /// Sending region.
        src: String,
        /// Receiving region.
        dst: String,
    },
    /// A WAN override that cannot be applied.
    #[error("WAN override `{src}` → `{dst}`: {reason}")]
    InvalidWanOverride {
        /// Sending region of the override.
        src: String,
        /// Receiving region of the override.
        dst: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A cable of a hand-assembled [`crate::PlatformGraph`] that `sim_core::Platform` would reject.
    #[error("cable {edge}: {reason}")]
    InvalidCable {
        /// Edge index in the graph (= insertion order).
        edge: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two nodes with one name.
    #[error("node name `{name}` is used twice")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// The graph is not connected, so some hosts could never exchange data.
    #[error("the platform graph has {components} connected components; it must have 1")]
    Disconnected {
        /// Number of connected components found.
        components: usize,
    },
}
