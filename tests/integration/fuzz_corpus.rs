//! The fuzzing corpus (`fuzz/corpus/scenario/`) and the reproducers of fixed crashes
//! (`fuzz/regressions/`), replayed on the stable toolchain through the fuzz target's own body,
//! `clustersim::check::scenario`: a crash fixed once stays fixed (see fuzz/README.md).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use clustersim::check::{self, Checked};
use clustersim::scenario::DataDir;

use crate::{repo, shared_data};

/// Every file under `dir`, sorted.
fn files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(repo().join(dir)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

#[test]
fn the_fuzzing_corpus_and_regressions_replay_without_a_panic() {
    let data = DataDir { path: shared_data().unwrap_or_else(|| repo().join("workloads/data")), origin: "--data-dir" };
    let (corpus, regressions) = (files("fuzz/corpus/scenario"), files("fuzz/regressions"));
    assert!(
        corpus.len() >= 10 && !regressions.is_empty(),
        "{} corpus files, {} regressions",
        corpus.len(),
        regressions.len()
    );
    let (mut panicked, mut accepted) = (Vec::new(), Vec::new());
    let mut planned = 0;
    for path in corpus.iter().chain(&regressions) {
        let bytes = std::fs::read(path).unwrap();
        match catch_unwind(AssertUnwindSafe(|| check::scenario(&bytes, &data))) {
            Ok(Checked::Planned) if regressions.contains(path) => accepted.push(path.display().to_string()),
            Ok(Checked::Planned) => planned += 1,
            Ok(_) => {}
            Err(_) => panicked.push(path.display().to_string()),
        }
    }
    assert!(panicked.is_empty(), "panicked (see the messages above): {panicked:?}");
    // Each reproducer asks for something absurd, which planning must refuse: this also catches an
    // overflow come back in a release build, where it would wrap silently instead of panicking.
    assert!(accepted.is_empty(), "reproducers planned instead of being refused: {accepted:?}");
    // The corpus is more than error paths: some inputs get through planning.
    assert!(planned > 0, "no input planned");
}
