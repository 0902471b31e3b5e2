//! Integration tests of clustersim: the command line end to end, and the runtime on real data.
//! One test binary (`cargo test --test integration`), organised by module.

mod astra;
mod cli;
mod dnn_devices;
mod megatron;
mod ocs;
mod placement;
mod programs;
mod reproductions;
mod strads;

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The research-only data directory (`../shared/data` beside the checkout), if present.
pub fn shared_data() -> Option<PathBuf> {
    let dir =
        std::env::var_os("CLUSTERSIM_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"));
    dir.is_dir().then_some(dir)
}
