//! Any bytes: parsed as a scenario, written back and re-read, and planned (never simulated). See
//! `clustersim::check::scenario` for the properties, and fuzz/README.md for how to run it.

#![no_main]

use clustersim::scenario::DataDir;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    static DATA: std::sync::OnceLock<DataDir> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| DataDir {
        path: concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data").into(),
        origin: "--data-dir",
    });
    let _ = clustersim::check::scenario(bytes, data);
});
