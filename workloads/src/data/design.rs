//! Sparse Lasso designs in compressed sparse column (CSC) form, for the STRADS Lasso program
//! ([`crate::strads::lasso::StradsLasso`]): the standardised real data sets (diabetes, riboflavin) stored
//! sparse, and a seeded synthetic design with correlated feature blocks.
//!
//! Column layout is what coordinate descent and the STRADS dependency check read: column `j`'s nonzero
//! rows, sorted, with their values. Correlations between columns are computed by a merge-join of the
//! sorted row indices (STRADS computes them the same way on its sparse column store,
//! `sailing-pmls/strads`, `apps/linear-solver_release/`, `getcorr_pair_sparse_vmat`).

use rand::seq::index;
use rand::Rng;
use sim_core::rng::{stream, StreamKind};

use super::lasso::RegressionData;
use super::{standard_normal, DataError};
use crate::ProgramError;

/// A design matrix `X` (`n` samples × `p` features) stored by column (CSC), with the targets `y` (`n`).
///
/// Column `j` holds its nonzero entries as strictly increasing row indices (`u32`, each `< n`) and finite
/// `f64` values at the same positions; exact zeros are never stored. `‖x_j‖²` is precomputed
/// ([`Self::col_sq_norm`]) by summing the squares in row order.
///
/// Units are the data's: for [`Self::standardized_from`] the columns are dimensionless (unit population
/// variance, `‖x_j‖² = n`) and `y` is in the target's units, centred; for [`Self::synthetic`] likewise
/// `‖x_j‖² = n`.
#[derive(Clone, Debug, PartialEq)]
pub struct SparseDesign {
    samples: usize,
    col_ptr: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f64>,
    targets: Vec<f64>,
    col_sq: Vec<f64>,
}

/// Settings of [`SparseDesign::synthetic`]: a sparse design whose features come in contiguous blocks of
/// correlated columns, and a sparse linear target.
///
/// **Construction** (all random draws from `sim_core::rng::stream(seed, StreamKind::SyntheticData, k)`):
///
/// 1. Features are cut into contiguous blocks `[b·block_size, (b+1)·block_size)`; the last block is
///    shorter if `block_size` does not divide `features`.
/// 2. Stream `k = 0`, block by block: a **support** of `support` distinct rows drawn uniformly without
///    replacement (`rand::seq::index::sample`), sorted, then a latent value `z_i ~ N(0, 1)` per support row.
/// 3. Stream `k = 1`, feature by feature, row by row: column `j` of the block is `x_ij = z_i + σ·ε_ij`
///    (`ε_ij ~ N(0, 1)`) on the block's support and 0 elsewhere, with `σ² = 1/c − 1` for
///    `c = within_block_correlation`. Two columns of one block then have correlation (cosine of their
///    support vectors, which is also the centred correlation within the support as `E z = 0`)
///    `≈ Var z / (Var z + σ²) = 1/(1 + σ²) = c` (a ratio of expectations: exact as `support → ∞`; the
///    finite-`support` bias is of order `1/support`).
/// 4. Each column is scaled to `‖x_j‖² = n`, the scale of the standardised real data ([`SparseDesign::standardized_from`]);
///    columns are **not** centred, to keep them sparse.
/// 5. Stream `k = 2`: the true coefficients `β*`: `true_nonzeros` distinct blocks drawn uniformly
///    without replacement, then in each one feature drawn uniformly (so at most one true feature per block),
///    with value `s·(1 + u)`, `s = ±1` with probability ½ each, `u ~ U[0, 1)` (so `|β*_j| ∈ [1, 2)`).
/// 6. Stream `k = 3`: `y_i = (Xβ*)_i + noise_sd·N(0, 1)`, row by row (not centred).
///
/// Normal variates come from the ChaCha8 streams by the Box–Muller transform (cosine branch, two uniforms
/// per variate; `crate::data::standard_normal`), as `rand_distr` is not a dependency.
///
/// **Across blocks** columns are correlated only through rows their supports share: the overlap `m` of
/// two supports is hypergeometric with mean `support²/samples` (0.4 for the defaults), so a fraction
/// `≈ 1 − exp(−support²/samples)` of cross-block pairs (≈ 0.33) shares any row; given `m` the correlation
/// has mean 0 and standard deviation `≈ √m / support`, so `E|corr| ≤ √(2/π)·√(E m)/support = √(2/(π·samples))`
/// (≈ 0.025 for 1 000 samples; the mean over all pairs is smaller: measured 0.012 for the defaults, whose
/// mean within-block correlation measures 0.793 for the target 0.8).
///
/// **Size**: `features × support` stored entries (2 million for the defaults, 32 MB with the row indices);
/// generation is linear in that.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticDesignConfig {
    /// Number of samples `n` (rows), ≥ 1 and ≤ `u32::MAX`. Default 1 000.
    pub samples: usize,
    /// Number of features `p` (columns), ≥ 1. Default 100 000.
    pub features: usize,
    /// Features per correlated block, in `1..=features`. Default 10.
    pub block_size: usize,
    /// Nonzero rows of every column of a block (the block's shared support), in `1..=samples`. Default 20.
    pub support: usize,
    /// Expected correlation `c` of two columns of the same block, in the open interval (0, 1). Default 0.8.
    pub within_block_correlation: f64,
    /// Number of nonzero true coefficients, at most one per block: `0..=⌈features / block_size⌉`.
    /// Default 100.
    pub true_nonzeros: usize,
    /// Standard deviation of the Gaussian noise added to each target, in the targets' units (finite,
    /// ≥ 0). Default 1.0; for comparison, the signal `Xβ*` has mean power per sample
    /// `‖Xβ*‖²/n ≈ Σ_j β*_j² ≈ (7/3)·true_nonzeros` (as `‖x_j‖² = n` and `E(1 + u)² = 7/3`), ≈ 233 for the
    /// defaults.
    pub noise_sd: f64,
    /// Seed of the four `SyntheticData` streams. Default 1.
    pub seed: u64,
}

impl Default for SyntheticDesignConfig {
    /// The scenario-sized design: 1 000 samples × 100 000 features in blocks of 10 with a support of 20
    /// rows and within-block correlation 0.8, 100 true features, noise sd 1, seed 1 (2 million nonzeros).
    fn default() -> Self {
        SyntheticDesignConfig {
            samples: 1_000,
            features: 100_000,
            block_size: 10,
            support: 20,
            within_block_correlation: 0.8,
            true_nonzeros: 100,
            noise_sd: 1.0,
            seed: 1,
        }
    }
}

impl SyntheticDesignConfig {
    /// Number of blocks, `⌈features / block_size⌉` (0 if `block_size` is 0).
    pub fn blocks(&self) -> usize {
        if self.block_size == 0 {
            0
        } else {
            self.features.div_ceil(self.block_size)
        }
    }

    /// Checks every field against the ranges documented on the type.
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), ProgramError> {
        let bad = |field: &'static str, message: String| Err(ProgramError::InvalidConfig { field, message });
        if self.samples == 0 || self.samples > u32::MAX as usize {
            return bad("samples", format!("{} is not in 1..=2^32−1", self.samples));
        }
        if self.features == 0 {
            return bad("features", "must be at least 1".into());
        }
        if self.block_size == 0 || self.block_size > self.features {
            return bad(
                "block_size",
                format!("{} is not in 1..={} (the number of features)", self.block_size, self.features),
            );
        }
        if self.support == 0 || self.support > self.samples {
            return bad("support", format!("{} is not in 1..={} (the number of samples)", self.support, self.samples));
        }
        let c = self.within_block_correlation;
        if !(c > 0.0 && c < 1.0) {
            return bad("within_block_correlation", format!("{c} is not in the open interval (0, 1)"));
        }
        if self.true_nonzeros > self.blocks() {
            return bad(
                "true_nonzeros",
                format!(
                    "{} exceeds the {} blocks (at most one true feature per block)",
                    self.true_nonzeros,
                    self.blocks()
                ),
            );
        }
        if !(self.noise_sd.is_finite() && self.noise_sd >= 0.0) {
            return bad("noise_sd", format!("{} must be finite and non-negative", self.noise_sd));
        }
        Ok(())
    }
}

impl SparseDesign {
    /// A design from CSC arrays: column `j` is `rows[col_ptr[j]..col_ptr[j+1]]` with `values[..]` at the same
    /// positions; `targets` has one value per sample (`samples` of them).
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] if `samples` is 0 or exceeds `u32::MAX`, `targets.len() != samples`,
    /// `col_ptr` is empty, does not start at 0, decreases or does not end at `rows.len() == values.len()`,
    /// a column's rows are not strictly increasing or reach `samples`, or a value or target is not finite
    /// or a stored value is exactly 0.
    pub fn from_csc(
        samples: usize,
        col_ptr: Vec<usize>,
        rows: Vec<u32>,
        values: Vec<f64>,
        targets: Vec<f64>,
    ) -> Result<Self, DataError> {
        let bad = |m: String| Err(DataError::Inconsistent(m));
        if samples == 0 || samples > u32::MAX as usize {
            return bad(format!("{samples} samples; need 1..=2^32−1"));
        }
        if targets.len() != samples {
            return bad(format!("{} targets for {samples} samples", targets.len()));
        }
        if col_ptr.first() != Some(&0) || *col_ptr.last().unwrap_or(&1) != rows.len() || rows.len() != values.len() {
            return bad("col_ptr must run from 0 to the number of stored entries of rows and values".into());
        }
        for (j, w) in col_ptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return bad(format!("col_ptr decreases at column {j}"));
            }
            let r = &rows[w[0]..w[1]];
            if r.windows(2).any(|p| p[0] >= p[1]) {
                return bad(format!("column {j}: row indices not strictly increasing"));
            }
            if r.last().is_some_and(|&i| i as usize >= samples) {
                return bad(format!("column {j}: row index out of range 0..{samples}"));
            }
        }
        if let Some(k) = values.iter().position(|v| !v.is_finite() || *v == 0.0) {
            return bad(format!("stored value {k} is zero or not finite"));
        }
        if let Some(i) = targets.iter().position(|v| !v.is_finite()) {
            return bad(format!("target of sample {i} is not finite"));
        }
        Ok(Self::assemble(samples, col_ptr, rows, values, targets))
    }

    fn assemble(samples: usize, col_ptr: Vec<usize>, rows: Vec<u32>, values: Vec<f64>, targets: Vec<f64>) -> Self {
        let col_sq =
            col_ptr.windows(2).map(|w| values[w[0]..w[1]].iter().map(|v| v * v).sum::<f64>()).collect::<Vec<f64>>();
        SparseDesign { samples, col_ptr, rows, values, targets, col_sq }
    }

    /// The standardised problem of `data`, exactly as [`crate::lasso::Lasso`] (and glmnet: Friedman, Hastie &
    /// Tibshirani, J. Stat. Softw. 2010, §2.1) standardise it: each column centred and divided by its
    /// population standard deviation (so `‖x_j‖² = n`; a constant column becomes all zeros, stored empty,
    /// and its coefficient stays 0), the targets centred. The dense columns are stored sparse, dropping
    /// values that are exactly 0 (a sample at its column's mean).
    ///
    /// # Panics
    /// If `data` has more than `u32::MAX` samples.
    pub fn standardized_from(data: &RegressionData) -> Self {
        let (n, p) = (data.samples(), data.features());
        assert!(n <= u32::MAX as usize, "{n} samples do not fit u32 row indices");
        let nf = n as f64;
        let mut col_ptr = Vec::with_capacity(p + 1);
        col_ptr.push(0);
        let mut rows = Vec::new();
        let mut values = Vec::new();
        for j in 0..p {
            let col = data.column(j);
            if !col.iter().all(|&v| v == col[0]) {
                let mean = col.iter().sum::<f64>() / nf;
                let sd = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf).sqrt();
                for (i, v) in col.iter().enumerate() {
                    let x = (v - mean) / sd;
                    if x != 0.0 {
                        rows.push(i as u32);
                        values.push(x);
                    }
                }
            }
            col_ptr.push(rows.len());
        }
        let y_mean = data.targets().iter().sum::<f64>() / nf;
        let targets = data.targets().iter().map(|v| v - y_mean).collect();
        Self::assemble(n, col_ptr, rows, values, targets)
    }

    /// The synthetic block-correlated design of `cfg` (construction on [`SyntheticDesignConfig`]).
    ///
    /// # Errors
    /// As [`SyntheticDesignConfig::validate`].
    pub fn synthetic(cfg: &SyntheticDesignConfig) -> Result<Self, ProgramError> {
        Self::synthetic_with_truth(cfg).map(|(design, _)| design)
    }

    /// [`Self::synthetic`] and the true coefficients `β*` as `(feature, value)` pairs sorted by feature
    /// (`true_nonzeros` of them).
    ///
    /// # Errors
    /// As [`SyntheticDesignConfig::validate`].
    pub fn synthetic_with_truth(cfg: &SyntheticDesignConfig) -> Result<(Self, Vec<(u32, f64)>), ProgramError> {
        cfg.validate()?;
        let (n, p, s) = (cfg.samples, cfg.features, cfg.support);
        let sigma = (1.0 / cfg.within_block_correlation - 1.0).sqrt();
        let mut support_rng = stream(cfg.seed, StreamKind::SyntheticData, 0);
        let mut noise_rng = stream(cfg.seed, StreamKind::SyntheticData, 1);
        let mut col_ptr = Vec::with_capacity(p + 1);
        col_ptr.push(0);
        let mut rows: Vec<u32> = Vec::with_capacity(p * s);
        let mut values: Vec<f64> = Vec::with_capacity(p * s);
        let mut latent = vec![0.0; s];
        let mut col = vec![0.0; s];
        for b in 0..cfg.blocks() {
            let mut support = index::sample(&mut support_rng, n, s).into_vec();
            support.sort_unstable();
            for z in latent.iter_mut() {
                *z = standard_normal(&mut support_rng);
            }
            for _j in b * cfg.block_size..((b + 1) * cfg.block_size).min(p) {
                for (x, z) in col.iter_mut().zip(&latent) {
                    *x = z + sigma * standard_normal(&mut noise_rng);
                }
                let sq: f64 = col.iter().map(|x| x * x).sum();
                let scale = (n as f64 / sq).sqrt();
                for (&i, x) in support.iter().zip(&col) {
                    let v = x * scale;
                    if v != 0.0 {
                        rows.push(i as u32);
                        values.push(v);
                    }
                }
                col_ptr.push(rows.len());
            }
        }
        let mut beta_rng = stream(cfg.seed, StreamKind::SyntheticData, 2);
        let mut chosen = index::sample(&mut beta_rng, cfg.blocks(), cfg.true_nonzeros).into_vec();
        chosen.sort_unstable();
        let truth: Vec<(u32, f64)> = chosen
            .into_iter()
            .map(|b| {
                let start = b * cfg.block_size;
                let len = cfg.block_size.min(p - start);
                let j = start + beta_rng.random_range(0..len);
                let sign = if beta_rng.random_bool(0.5) { 1.0 } else { -1.0 };
                (j as u32, sign * (1.0 + beta_rng.random::<f64>()))
            })
            .collect();
        let mut targets = vec![0.0; n];
        for &(j, bj) in &truth {
            let (a, e) = (col_ptr[j as usize], col_ptr[j as usize + 1]);
            for (&i, &x) in rows[a..e].iter().zip(&values[a..e]) {
                targets[i as usize] += x * bj;
            }
        }
        let mut y_rng = stream(cfg.seed, StreamKind::SyntheticData, 3);
        for t in targets.iter_mut() {
            *t += cfg.noise_sd * standard_normal(&mut y_rng);
        }
        Ok((Self::assemble(n, col_ptr, rows, values, targets), truth))
    }

    /// Number of samples `n` (rows).
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Number of features `p` (columns).
    pub fn features(&self) -> usize {
        self.col_ptr.len() - 1
    }

    /// Number of stored (nonzero) entries of `X`.
    pub fn nnz(&self) -> usize {
        self.rows.len()
    }

    /// Column `j`: its nonzero rows (strictly increasing, each `< n`) and their values (same length).
    ///
    /// # Panics
    /// If `j >= p`.
    pub fn column(&self, j: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.col_ptr[j], self.col_ptr[j + 1]);
        (&self.rows[a..b], &self.values[a..b])
    }

    /// Number of stored entries of column `j`.
    ///
    /// # Panics
    /// If `j >= p`.
    pub fn column_nnz(&self, j: usize) -> usize {
        self.col_ptr[j + 1] - self.col_ptr[j]
    }

    /// Offset of column `j`'s first entry in the design's entry arrays (`col_ptr[j]`, `j ≤ p`).
    pub(crate) fn column_start(&self, j: usize) -> usize {
        self.col_ptr[j]
    }

    /// The design's row indices and values, all columns concatenated (CSC order).
    pub(crate) fn entries(&self) -> (&[u32], &[f64]) {
        (&self.rows, &self.values)
    }

    /// The targets `y` (`n` values).
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }

    /// `‖x_j‖²`, the sum of the squares of column `j`'s values in row order (`n` up to rounding for the
    /// standardised and synthetic designs; 0 for an empty column).
    ///
    /// # Panics
    /// If `j >= p`.
    pub fn col_sq_norm(&self, j: usize) -> f64 {
        self.col_sq[j]
    }

    /// `x_jᵀx_k` by a merge-join of the two columns' sorted rows, and the number of stored entries the join
    /// stepped over (its cost: at most `nnz(j) + nnz(k)`; the join stops when either column is exhausted).
    ///
    /// # Panics
    /// If `j` or `k` is `>= p`.
    pub fn dot_counted(&self, j: usize, k: usize) -> (f64, u64) {
        let (ra, va) = self.column(j);
        let (rb, vb) = self.column(k);
        let (mut a, mut b, mut sum) = (0, 0, 0.0);
        while a < ra.len() && b < rb.len() {
            match ra[a].cmp(&rb[b]) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    sum += va[a] * vb[b];
                    a += 1;
                    b += 1;
                }
            }
        }
        (sum, (a + b) as u64)
    }

    /// `x_jᵀx_k` (see [`Self::dot_counted`] for its cost).
    ///
    /// # Panics
    /// If `j` or `k` is `>= p`.
    pub fn dot(&self, j: usize, k: usize) -> f64 {
        self.dot_counted(j, k).0
    }

    /// The correlation (cosine) `x_jᵀx_k / (‖x_j‖·‖x_k‖)` of columns `j` and `k`, 0 if either norm is 0, and
    /// the entries stepped over ([`Self::dot_counted`]; 0 when a norm is 0). On standardised (centred)
    /// columns this is Pearson's correlation; on the uncentred synthetic columns it is the cosine that
    /// STRADS's dependency check thresholds.
    ///
    /// # Panics
    /// If `j` or `k` is `>= p`.
    pub fn correlation_counted(&self, j: usize, k: usize) -> (f64, u64) {
        let (a, b) = (self.col_sq[j], self.col_sq[k]);
        if a == 0.0 || b == 0.0 {
            return (0.0, 0);
        }
        let (d, cost) = self.dot_counted(j, k);
        (d / (a * b).sqrt(), cost)
    }

    /// The correlation of columns `j` and `k` (see [`Self::correlation_counted`]), in [−1, 1] up to rounding.
    ///
    /// # Panics
    /// If `j` or `k` is `>= p`.
    pub fn correlation(&self, j: usize, k: usize) -> f64 {
        self.correlation_counted(j, k).0
    }

    /// `x_jᵀv` for a dense vector `v` of `n` values.
    ///
    /// # Panics
    /// If `j >= p` or `v` is shorter than `n`.
    pub fn column_dot(&self, j: usize, v: &[f64]) -> f64 {
        let (r, x) = self.column(j);
        r.iter().zip(x).map(|(&i, x)| x * v[i as usize]).sum()
    }

    /// `λ_max = 2·max_j |x_jᵀy|`: the smallest `λ` for which `β = 0` minimises `½(‖y − Xβ‖² + λ‖β‖₁)`
    /// (units of `x_jᵀy`).
    pub fn lambda_max(&self) -> f64 {
        (0..self.features()).map(|j| 2.0 * self.column_dot(j, &self.targets).abs()).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_cfg(seed: u64) -> SyntheticDesignConfig {
        SyntheticDesignConfig {
            samples: 400,
            features: 600,
            block_size: 10,
            support: 40,
            within_block_correlation: 0.8,
            true_nonzeros: 12,
            noise_sd: 0.5,
            seed,
        }
    }

    #[test]
    fn standardises_like_the_dense_lasso() {
        let data = crate::builtin::diabetes();
        let d = SparseDesign::standardized_from(&data);
        let dense = crate::lasso::Lasso::new(
            &data,
            crate::lasso::LassoConfig { workers: 1, coords_per_clock: 1, lambda: 1.0, seed: 0 },
        )
        .unwrap();
        assert_eq!((d.samples(), d.features()), (442, 10));
        assert_eq!(d.targets(), dense.targets());
        for j in 0..10 {
            let mut full = vec![0.0; 442];
            let (r, v) = d.column(j);
            for (&i, &x) in r.iter().zip(v) {
                full[i as usize] = x;
            }
            assert_eq!(full, dense.column(j), "column {j}");
            assert!((d.col_sq_norm(j) - 442.0).abs() < 1e-9);
            assert!((d.correlation(j, j) - 1.0).abs() < 1e-12);
        }
        // A constant column is kept, empty, with norm and correlations 0.
        let tiny = RegressionData::new(
            vec!["a".into(), "c".into()],
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0],
            vec![1.0, 0.0, 2.0, 1.0],
        )
        .unwrap();
        let t = SparseDesign::standardized_from(&tiny);
        assert_eq!(t.column_nnz(1), 0);
        assert_eq!(t.col_sq_norm(1), 0.0);
        assert_eq!(t.correlation(0, 1), 0.0);
        assert!(t.targets().iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn merge_join_dot_matches_dense_and_counts_entries() {
        let d = SparseDesign::from_csc(
            6,
            vec![0, 3, 5, 5],
            vec![0, 2, 5, 2, 3],
            vec![1.0, 2.0, -1.0, 4.0, 0.5],
            vec![0.0; 6],
        )
        .unwrap();
        assert_eq!(d.dot_counted(0, 1), (8.0, 4)); // rows 0, 2 of column 0; 2, 3 of column 1
        assert_eq!(d.dot(1, 0), 8.0);
        assert_eq!(d.correlation_counted(0, 2), (0.0, 0));
        let c = d.correlation(0, 1);
        assert!((c - 8.0 / (6.0f64.sqrt() * 16.25f64.sqrt())).abs() < 1e-15);
        assert!(SparseDesign::from_csc(6, vec![0, 2], vec![3, 1], vec![1.0, 1.0], vec![0.0; 6]).is_err());
        assert!(SparseDesign::from_csc(6, vec![0, 1], vec![6], vec![1.0], vec![0.0; 6]).is_err());
        assert!(SparseDesign::from_csc(6, vec![0, 1], vec![1], vec![0.0], vec![0.0; 6]).is_err());
        assert!(SparseDesign::from_csc(6, vec![0, 1], vec![1], vec![1.0], vec![0.0; 5]).is_err());
    }

    #[test]
    fn synthetic_is_deterministic_and_seed_dependent() {
        let (a, ta) = SparseDesign::synthetic_with_truth(&small_cfg(5)).unwrap();
        let (b, tb) = SparseDesign::synthetic_with_truth(&small_cfg(5)).unwrap();
        let (c, _) = SparseDesign::synthetic_with_truth(&small_cfg(6)).unwrap();
        assert_eq!(a, b);
        assert_eq!(ta, tb);
        assert_ne!(a, c);
        assert_eq!(a.nnz(), 600 * 40);
        assert_eq!(ta.len(), 12);
        // At most one true feature per block, |β*| in [1, 2).
        let blocks: Vec<u32> = ta.iter().map(|&(j, _)| j / 10).collect();
        assert!(blocks.windows(2).all(|w| w[0] < w[1]));
        assert!(ta.iter().all(|&(_, b)| (1.0..2.0).contains(&b.abs())));
        for j in 0..600 {
            assert!((a.col_sq_norm(j) - 400.0).abs() < 1e-9);
        }
    }

    #[test]
    fn synthetic_correlations_match_the_construction() {
        let cfg = small_cfg(9);
        let d = SparseDesign::synthetic(&cfg).unwrap();
        let (mut within, mut wn, mut across, mut an) = (0.0, 0, 0.0, 0);
        for j in 0..cfg.features {
            for k in j + 1..cfg.features {
                let c = d.correlation(j, k);
                if j / cfg.block_size == k / cfg.block_size {
                    within += c;
                    wn += 1;
                } else {
                    across += c.abs();
                    an += 1;
                }
            }
        }
        let (within, across) = (within / wn as f64, across / an as f64);
        eprintln!("mean within-block correlation {within:.4}, mean |cross-block correlation| {across:.4}");
        assert!((within - 0.8).abs() < 0.05, "mean within-block correlation {within}");
        // Bound √(2/(π n)) = 0.040 for n = 400.
        assert!(across < (2.0 / (std::f64::consts::PI * 400.0)).sqrt(), "mean |cross-block correlation| {across}");
    }

    #[test]
    fn synthetic_rejects_bad_configs_naming_the_field() {
        let field = |f: &dyn Fn(&mut SyntheticDesignConfig)| {
            let mut c = small_cfg(1);
            f(&mut c);
            match SparseDesign::synthetic(&c) {
                Err(ProgramError::InvalidConfig { field, .. }) => field,
                Ok(_) => "ok",
            }
        };
        assert_eq!(field(&|_| ()), "ok");
        assert_eq!(field(&|c| c.samples = 0), "samples");
        assert_eq!(field(&|c| c.features = 0), "features");
        assert_eq!(field(&|c| c.block_size = 0), "block_size");
        assert_eq!(field(&|c| c.block_size = 601), "block_size");
        assert_eq!(field(&|c| c.support = 401), "support");
        assert_eq!(field(&|c| c.support = 0), "support");
        assert_eq!(field(&|c| c.within_block_correlation = 1.0), "within_block_correlation");
        assert_eq!(field(&|c| c.within_block_correlation = 0.0), "within_block_correlation");
        assert_eq!(field(&|c| c.within_block_correlation = f64::NAN), "within_block_correlation");
        assert_eq!(field(&|c| c.true_nonzeros = 61), "true_nonzeros");
        assert_eq!(field(&|c| c.noise_sd = -1.0), "noise_sd");
        // A last, shorter block is fine.
        assert_eq!(field(&|c| c.block_size = 7), "ok");
    }

    #[test]
    fn default_scenario_design_generates() {
        let cfg = SyntheticDesignConfig::default();
        let (d, truth) = SparseDesign::synthetic_with_truth(&cfg).unwrap();
        assert_eq!((d.samples(), d.features(), d.nnz()), (1_000, 100_000, 2_000_000));
        assert_eq!(truth.len(), 100);
        assert!(d.lambda_max() > 0.0);
    }
}
