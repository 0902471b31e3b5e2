//! Properties that scenario handling keeps for any input whatever, checked on arbitrary bytes
//! ([`scenario`]). The body of the fuzz target `fuzz/fuzz_targets/scenario.rs`, kept here so that
//! `tests/integration/fuzz_corpus.rs` replays the fuzzing corpus and the reproducers of fixed
//! crashes through the very same code on the stable toolchain.

use crate::scenario::{self, DataDir, ScenarioError};

/// The file name inputs are parsed and planned under: relative, so files a scenario names
/// (`hf_config`, `astra`) resolve against the current directory.
pub const FILE_NAME: &str = "fuzz.ron";

/// How far an input got.
#[derive(Debug)]
pub enum Checked {
    /// The bytes are not UTF-8 (a scenario file is text).
    NotText,
    /// [`scenario::parse`] rejected it.
    Unparsed(ScenarioError),
    /// It parsed, and [`crate::run::plan`] rejected it.
    Unplanned(ScenarioError),
    /// It parsed and planned.
    Planned,
}

/// Parses `bytes` as a scenario and plans it with data from `data_dir`, never simulating, and
/// panics if a property fails: neither step may panic (overflow included) or run out of memory; a
/// parse error names a line and column; a parsed scenario written by [`scenario::to_ron`] reads
/// back to the same value (compared by `Debug` text, so that `NaN` equals itself and `-0.0` does
/// not equal `0.0`).
pub fn scenario(bytes: &[u8], data_dir: &DataDir) -> Checked {
    let Ok(text) = std::str::from_utf8(bytes) else { return Checked::NotText };
    let parsed = match scenario::parse(text, FILE_NAME) {
        Ok(p) => p,
        Err(e) => {
            assert!(e.position.is_some(), "a parse error without a position: {e}");
            return Checked::Unparsed(e);
        }
    };
    let written = scenario::to_ron(&parsed);
    let reparsed = scenario::parse(&written, FILE_NAME)
        .unwrap_or_else(|e| panic!("the written scenario does not parse: {e}\n{written}"));
    let (a, b) = (format!("{parsed:?}"), format!("{reparsed:?}"));
    assert!(a == b, "the written scenario parses to another one:\n{a}\n{b}\n{written}");
    match crate::run::plan(parsed, text, FILE_NAME, data_dir, None) {
        Ok(_) => Checked::Planned,
        Err(e) => Checked::Unplanned(e),
    }
}
