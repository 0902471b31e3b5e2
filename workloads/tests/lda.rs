//! LDA by collapsed Gibbs sampling: learning on Reuters (read from the shared data directory), count
//! invariants and determinism on a small inline corpus, and the LDA-C parser on the real files.

use std::any::Any;
use std::path::PathBuf;

use sim_core::program::{DataParallelProgram, Params, RowRef, Step};
use workloads::data::ldac::{self, Corpus};
use workloads::data::DataError;
use workloads::lda::{TOPIC_TOTALS, WORD_TOPIC};
use workloads::{LatentDirichletAllocation, LdaConfig, LdaWorkerState};

/// `$CLUSTERSIM_DATA_DIR/lda_reuters`, else `<manifest>/../../shared/data/lda_reuters`, if it holds the
/// corpus and its vocabulary (not redistributable, so not in the repository).
fn reuters_files() -> Option<(String, String)> {
    let base = std::env::var_os("CLUSTERSIM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let dir = base.join("lda_reuters");
    let ldac = std::fs::read_to_string(dir.join("reuters.ldac")).ok();
    let tokens = std::fs::read_to_string(dir.join("reuters.tokens")).ok();
    match (ldac, tokens) {
        (Some(l), Some(t)) => Some((l, t)),
        _ => {
            eprintln!("skipped: Reuters LDA-C files not found under {} (set CLUSTERSIM_DATA_DIR)", dir.display());
            None
        }
    }
}

fn reuters() -> Option<Corpus> {
    let (ldac, tokens) = reuters_files()?;
    Some(ldac::parse_with_vocabulary(&ldac, &tokens).expect("Reuters parses"))
}

/// BSP by hand: at every clock all workers compute against the same params, then every update is
/// applied. Returns the log-likelihood before the first clock and after each clock.
fn run_bsp(prog: &LatentDirichletAllocation, clocks: u64) -> Vec<f64> {
    let mut params = prog.initial_params();
    let mut states: Vec<Box<dyn Any + Send>> = (0..prog.workers()).map(|w| prog.initial_worker_state(w)).collect();
    let mut ll = vec![prog.log_likelihood(&params)];
    for clock in 0..clocks {
        let steps: Vec<Step> =
            states.iter_mut().enumerate().map(|(w, s)| prog.compute(w, clock, &params, s.as_mut())).collect();
        for step in &steps {
            params.apply(&step.updates);
        }
        ll.push(prog.log_likelihood(&params));
    }
    let refs: Vec<&LdaWorkerState> = states.iter().map(|s| s.downcast_ref().unwrap()).collect();
    assert_eq!(params, prog.counts(&refs), "server counts drifted from the assignments");
    ll
}

/// Learning on Reuters: `workers` workers, one sweep of each partition per clock, 30 sweeps.
fn check_reuters_learns(workers: usize) {
    let Some(corpus) = reuters() else { return };
    let cfg = LdaConfig { workers, seed: 2004, ..LdaConfig::default() };
    let (k, alpha, beta) = (cfg.topics, cfg.alpha, cfg.beta);
    let prog = LatentDirichletAllocation::new(corpus, cfg).unwrap();
    let ll = run_bsp(&prog, 30);
    let per_token = |x: f64| x / prog.corpus().num_tokens() as f64;
    eprintln!(
        "reuters LDA, {workers} worker(s), K = {k}, α = {alpha}, β = {beta}: ln p(w|z) per sweep (0 = initial): {}",
        ll.iter().enumerate().map(|(i, x)| format!("{i}: {x:.1}")).collect::<Vec<_>>().join(", ")
    );
    eprintln!(
        "  per token: initial {:.4}, sweep 1 {:.4}, sweep 10 {:.4}, sweep 30 {:.4} nats",
        per_token(ll[0]),
        per_token(ll[1]),
        per_token(ll[10]),
        per_token(ll[30])
    );
    let rises = |from: usize, to: usize| ll[from..=to].windows(2).filter(|w| w[1] > w[0]).count();
    eprintln!("  rises: {} of the first 10 sweeps, {} of all 30", rises(0, 10), rises(0, 30));
    // Stated margins, per token (84,010 tokens). Burn-in: sweep 1 gains > 0.3 nats a token on the random
    // start, sweep 10 > 0.1 on sweep 1, and at least 8 of the first 10 sweeps rise. After burn-in the chain
    // samples the posterior, where ln p(w|z) alone need not rise (sequential Gibbs plateaus near sweep 8
    // here and then wanders by ~0.02 nats a token): sweep 30 still beats sweep 1 by > 0.1 and is within
    // 0.05 of sweep 10.
    assert!(per_token(ll[1] - ll[0]) > 0.3, "sweep 1 {} vs random start {}", ll[1], ll[0]);
    assert!(per_token(ll[10] - ll[1]) > 0.1, "sweep 10 {} vs sweep 1 {}", ll[10], ll[1]);
    assert!(rises(0, 10) >= 8, "only {} of the first 10 sweeps raised the log-likelihood", rises(0, 10));
    assert!(per_token(ll[30] - ll[1]) > 0.1, "sweep 30 {} vs sweep 1 {}", ll[30], ll[1]);
    assert!(per_token(ll[30] - ll[10]) > -0.05, "sweep 30 {} vs sweep 10 {}", ll[30], ll[10]);
}

#[test]
fn reuters_one_worker_learns() {
    check_reuters_learns(1);
}

#[test]
fn reuters_four_workers_bsp_learns() {
    check_reuters_learns(4);
}

#[test]
fn reuters_files_parse() {
    let Some((ldac_text, tokens)) = reuters_files() else { return };
    let corpus = ldac::parse_with_vocabulary(&ldac_text, &tokens).unwrap();
    assert_eq!(corpus.num_docs(), 395);
    assert_eq!(corpus.vocab_size(), 4258);
    assert_eq!(corpus.num_tokens(), 84_010);
    assert_eq!(corpus.term(0), tokens.lines().next());
    assert_eq!(ldac::parse(&ldac_text, 4258).unwrap().doc(7), corpus.doc(7));
    // One vocabulary entry too few: the first document using the last id is reported by line.
    let err = ldac::parse(&ldac_text, 4257).unwrap_err();
    let first = ldac_text.lines().position(|l| l.split_whitespace().any(|f| f.starts_with("4257:"))).unwrap() + 1;
    assert!(matches!(err, DataError::Malformed { line, .. } if line == first), "{err}");
    // A corrupted line in the middle.
    let mut lines: Vec<&str> = ldac_text.lines().collect();
    lines[199] = "3 1:1 2:x 5:1";
    let err = ldac::parse(&lines.join("\n"), 4258).unwrap_err();
    assert_eq!(err, DataError::InvalidNumber { line: 200, field: "term 2 count".into(), text: "x".into() });
}

/// Twelve documents over 8 terms: terms 0–3 and 4–7 form two clear themes, a few documents mix them.
const SMALL: &str = "\
4 0:3 1:2 2:1 3:2
3 0:1 2:4 3:1
4 4:2 5:3 6:1 7:2
3 5:1 6:4 7:2
4 0:2 1:1 4:1 5:2
2 1:5 3:2
2 4:3 7:3
5 0:1 1:1 2:1 3:1 6:2
0
3 2:2 3:3 0:1
3 5:2 6:2 7:1
6 0:1 1:1 2:1 4:1 5:1 6:1
";

fn small(workers: usize, docs_per_clock: usize, seed: u64) -> LatentDirichletAllocation {
    let corpus = ldac::parse(SMALL, 8).unwrap();
    let cfg = LdaConfig { workers, topics: 3, alpha: 0.3, beta: 0.1, docs_per_clock, seed };
    LatentDirichletAllocation::new(corpus, cfg).unwrap()
}

fn assert_consistent_nonnegative(prog: &LatentDirichletAllocation, params: &Params) {
    let k = prog.config().topics as usize;
    let word_topic = params.table(WORD_TOPIC as usize);
    assert!(word_topic.iter().all(|&n| n >= 0.0 && n.fract() == 0.0), "negative or fractional n_kw");
    let totals = params.row(RowRef { table: TOPIC_TOTALS, row: 0 });
    for (t, &total) in totals.iter().enumerate() {
        let column: f64 = word_topic.iter().skip(t).step_by(k).sum();
        assert_eq!(total, column, "topic {t}: totals row is not the column sum");
    }
    assert_eq!(totals.iter().sum::<f64>(), prog.corpus().num_tokens() as f64);
}

/// Runs `clocks` clocks of every worker where each worker's view lags by `lag` clocks of everyone's
/// updates (`lag = 0`: BSP), checking the server after every applied step. Returns all steps (clock-major)
/// and the final params and states.
fn run_stale(
    prog: &LatentDirichletAllocation,
    clocks: u64,
    lag: usize,
) -> (Vec<Step>, Params, Vec<Box<dyn Any + Send>>) {
    let workers = prog.workers();
    let mut server = prog.initial_params();
    assert_consistent_nonnegative(prog, &server);
    let mut states: Vec<Box<dyn Any + Send>> = (0..workers).map(|w| prog.initial_worker_state(w)).collect();
    let mut views = vec![server.clone()]; // views[c] = server after clocks < c
    let mut all = Vec::new();
    for clock in 0..clocks {
        let view = views[(clock as usize).saturating_sub(lag)].clone();
        let steps: Vec<Step> =
            states.iter_mut().enumerate().map(|(w, s)| prog.compute(w, clock, &view, s.as_mut())).collect();
        for (w, step) in steps.iter().enumerate() {
            let rows: Vec<RowRef> = step.updates.iter().map(|u| u.row).collect();
            assert_eq!(rows, prog.rows_needed(w, clock));
            assert!(
                step.work.flops > 0 || prog.batch(w, clock).iter().all(|&d| prog.corpus().doc(d as usize).is_empty())
            );
            // Partial application (one worker's step, row by row) never drives a count negative.
            for u in &step.updates {
                server.apply(std::slice::from_ref(u));
                assert!(server.row(u.row).iter().all(|&n| n >= 0.0), "negative count in {:?}", u.row);
            }
        }
        assert_consistent_nonnegative(prog, &server);
        views.push(server.clone());
        all.extend(steps);
    }
    (all, server, states)
}

#[test]
fn applied_updates_equal_the_counts_of_the_assignments() {
    for (workers, docs_per_clock, lag) in [(1, 12, 0), (1, 5, 0), (3, 2, 0), (3, 1, 3), (4, 2, 6)] {
        let prog = small(workers, docs_per_clock, 17);
        let initial: Vec<Box<dyn Any + Send>> = (0..workers).map(|w| prog.initial_worker_state(w)).collect();
        let initial_refs: Vec<&LdaWorkerState> = initial.iter().map(|s| s.downcast_ref().unwrap()).collect();
        assert_eq!(prog.counts(&initial_refs), prog.initial_params());
        for clocks in [1, 4, 13] {
            let (_, server, states) = run_stale(&prog, clocks, lag);
            let refs: Vec<&LdaWorkerState> = states.iter().map(|s| s.downcast_ref().unwrap()).collect();
            assert_eq!(server, prog.counts(&refs), "{workers} workers, {docs_per_clock} docs/clock, lag {lag}");
            // The assignments moved (the sampler is not stuck at its start).
            assert_ne!(server, prog.initial_params());
            for s in &refs {
                for pos in 0..s.num_docs() {
                    assert_eq!(s.doc_topic_counts(pos).iter().sum::<u32>() as usize, s.topics(pos).len());
                }
            }
        }
    }
}

#[test]
fn initial_assignments_do_not_depend_on_the_partition() {
    let one = small(1, 3, 9);
    let four = small(4, 1, 9);
    assert_eq!(one.initial_params(), four.initial_params());
    for w in 0..4 {
        let state = four.initial_worker_state(w);
        let s: &LdaWorkerState = state.downcast_ref().unwrap();
        for (pos, &d) in four.partition(w).iter().enumerate() {
            assert_eq!(s.topics(pos), one.initial_topics(d as usize));
        }
    }
}

#[test]
fn same_seed_same_steps_different_seed_different_steps() {
    let (a, pa, _) = run_stale(&small(3, 2, 21), 8, 2);
    let (b, pb, _) = run_stale(&small(3, 2, 21), 8, 2);
    assert_eq!(a, b);
    assert_eq!(pa, pb);
    let (c, pc, _) = run_stale(&small(3, 2, 22), 8, 2);
    assert_ne!(a, c);
    assert_ne!(pa, pc);
    // The sampler's draws alone (same partition and start, via a fixed state) differ by clock and worker.
    let prog = small(1, 12, 21);
    let params = prog.initial_params();
    let step = |clock| prog.compute(0, clock, &params, prog.initial_worker_state(0).as_mut());
    assert_eq!(step(0), step(0));
    assert_ne!(step(0), step(1));
}

/// The sampler's stationary distribution is the exact posterior `p(z | w) ∝ p(w | z) p(z)` (Griffiths &
/// Steyvers 2004, eqs. 2–3): on a 4-token corpus with K = 2 (16 assignments), the frequencies of 40,000
/// sweeps of one worker match the enumerated posterior.
#[test]
fn one_worker_samples_the_exact_posterior() {
    let docs = [vec![0u32, 0, 1], vec![2]];
    let (k, alpha) = (2usize, 0.5);
    let corpus = Corpus::from_documents(3, docs.clone()).unwrap();
    let cfg = LdaConfig { workers: 1, topics: k as u32, alpha, beta: 0.3, docs_per_clock: 2, seed: 8 };
    let prog = LatentDirichletAllocation::new(corpus, cfg).unwrap();
    let tokens: Vec<(usize, u32)> = docs.iter().enumerate().flat_map(|(d, w)| w.iter().map(move |&w| (d, w))).collect();
    // ln p(w, z) of assignment `bits` (bit i = topic of token i): ln p(w|z) from the program plus ln p(z).
    let log_joint = |bits: usize| {
        let mut params = Params::zeros(&prog.tables());
        let mut ndk = vec![[0.0f64; 2]; docs.len()];
        for (i, &(d, w)) in tokens.iter().enumerate() {
            let z = (bits >> i) & 1;
            params.row_mut(RowRef { table: WORD_TOPIC, row: w })[z] += 1.0;
            params.row_mut(RowRef { table: TOPIC_TOTALS, row: 0 })[z] += 1.0;
            ndk[d][z] += 1.0;
        }
        let ln_pz: f64 = ndk
            .iter()
            .map(|n| {
                let len: f64 = n.iter().sum();
                libm::lgamma(k as f64 * alpha) - k as f64 * libm::lgamma(alpha)
                    + n.iter().map(|&x| libm::lgamma(x + alpha)).sum::<f64>()
                    - libm::lgamma(len + k as f64 * alpha)
            })
            .sum();
        prog.log_likelihood(&params) + ln_pz
    };
    let joint: Vec<f64> = (0..16).map(|b| log_joint(b).exp()).collect();
    let total: f64 = joint.iter().sum();
    let mut params = prog.initial_params();
    let mut state = prog.initial_worker_state(0);
    let mut freq = [0.0f64; 16];
    let sweeps = 40_000u64;
    for clock in 0..sweeps {
        params.apply(&prog.compute(0, clock, &params, state.as_mut()).updates);
        let s: &LdaWorkerState = state.downcast_ref().unwrap();
        // Token order of `tokens`: document 0 then 1, each in order; states index documents by position.
        let mut bits = 0;
        let mut i = 0;
        for d in 0..docs.len() {
            let pos = prog.partition(0).iter().position(|&x| x as usize == d).unwrap();
            for &z in s.topics(pos) {
                bits |= (z as usize) << i;
                i += 1;
            }
        }
        freq[bits] += 1.0 / sweeps as f64;
    }
    let worst = (0..16).map(|b| (freq[b] - joint[b] / total).abs()).fold(0.0, f64::max);
    eprintln!("posterior check: largest |frequency − p(z|w)| over 16 assignments = {worst:.4}");
    assert!(worst < 0.01, "empirical {freq:?} vs exact {:?}", joint.iter().map(|p| p / total).collect::<Vec<_>>());
}
