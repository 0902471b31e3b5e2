//! Checks and arithmetic shared by the builders.

use sim_core::BytesPerSec;

use crate::TopologyError;

/// `Err(ZeroCount)` if `value` is 0.
pub(crate) fn at_least_one(field: &'static str, value: u32) -> Result<(), TopologyError> {
    if value == 0 {
        return Err(TopologyError::ZeroCount { field, value: 0 });
    }
    Ok(())
}

/// `Err(InvalidRatio)` unless `r` is finite and > 0.
pub(crate) fn check_ratio(field: &'static str, r: f64) -> Result<(), TopologyError> {
    if !(r.is_finite() && r > 0.0) {
        return Err(TopologyError::InvalidRatio { field, value: r });
    }
    Ok(())
}

/// `Err(InvalidBandwidth)` if `bw` is 0.
pub(crate) fn positive_bandwidth(field: &'static str, bw: BytesPerSec) -> Result<(), TopologyError> {
    if bw.0 == 0 {
        return Err(TopologyError::InvalidBandwidth { field, value: 0.0 });
    }
    Ok(())
}

/// `Err(TooLarge)` if a platform of `nodes` nodes and `cables` cables (two links each) exceeds
/// [`crate::MAX_NODES`] or [`crate::MAX_LINKS`]. `field`/`value` name the spec field that drives the size.
pub(crate) fn check_size(nodes: u128, cables: u128, field: &'static str, value: u64) -> Result<(), TopologyError> {
    if nodes > u128::from(crate::MAX_NODES) || 2 * cables > u128::from(crate::MAX_LINKS) {
        return Err(TopologyError::TooLarge { field, value });
    }
    Ok(())
}

/// Bandwidth of each of `uplinks` cables that together carry `down / r`, where `down` is `ports · port_bw`
/// [bytes/s]: `ports · port_bw / (uplinks · r)`, rounded to the nearest whole byte/s.
///
/// # Errors
/// [`TopologyError::InvalidRatio`] for a bad `r`; [`TopologyError::InvalidBandwidth`] (naming `field`) if the
/// result rounds to 0 or does not fit in `u64`.
pub(crate) fn uplink_bandwidth(
    ports: u64,
    port_bw: BytesPerSec,
    uplinks: u64,
    r: f64,
    ratio_field: &'static str,
    field: &'static str,
) -> Result<BytesPerSec, TopologyError> {
    check_ratio(ratio_field, r)?;
    let bw = ports as f64 * port_bw.0 as f64 / (uplinks as f64 * r);
    let rounded = bw.round();
    // 2^64 as f64 is exact; anything at or above it does not fit.
    if !(1.0..18_446_744_073_709_551_616.0).contains(&rounded) {
        return Err(TopologyError::InvalidBandwidth { field, value: bw });
    }
    Ok(BytesPerSec(rounded as u64))
}
