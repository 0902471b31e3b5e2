//! Integration tests of clustersim: the command line end to end, and the runtime on real data.
//! One test binary (`cargo test --test integration`), organised by module.

mod astra;
mod cli;
mod dnn_devices;
mod faults;
mod fuzz_corpus;
mod link_faults;
mod megatron;
mod ocs;
mod placement;
mod programs;
mod ps_faults;
mod reproductions;
mod strads;
mod swarm;
mod sweep;

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

/// Runs the clustersim binary with `args` in `dir` on `threads` rayon threads.
pub fn clustersim_in(dir: &std::path::Path, args: &[&str], threads: usize) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("clustersim runs")
}
