//! Megatron-LM throughput (Narayanan et al., SC'21) reproduced by the training executor: the
//! `megatron` claim of `clustersim reproduce` (scenario `scenarios/repro_megatron.ron`, one compute
//! efficiency for both rows, stated in the scenario) must hold, every check within 15 %. Unlike
//! the other claims it needs no research-only data, so it runs everywhere. Release builds only
//! (each row simulates 10⁵–10⁶ flows).

use clustersim::reproduce::{claims, run_claim, ClaimReport};
use clustersim::scenario::DataDir;

#[test]
#[cfg_attr(debug_assertions, ignore = "seconds in release, minutes in debug")]
fn megatron_claim_holds_within_15_percent() {
    let claim = claims().iter().find(|c| c.id == "megatron").expect("the Megatron-LM claim");
    let outcome = run_claim(claim, &DataDir::resolve(None)).unwrap_or_else(|e| panic!("{e:#}"));
    let ClaimReport::Dnn { report, .. } = &outcome.report else { panic!("a DNN training claim") };
    for v in &report.variants {
        eprintln!(
            "{}: iteration {:.2} s, MFU {:.1} %, bubble {:.3}, {} flows",
            v.name,
            v.iteration_time_s,
            100.0 * v.mfu,
            v.pipeline_bubble_fraction,
            v.flows
        );
    }
    assert_eq!(outcome.checks.len(), 3, "two rows and the aggregate");
    for c in &outcome.checks {
        eprintln!("{}: {}", c.what, c.simulated);
        assert!(c.holds, "{}: {}", c.what, c.simulated);
    }
}
