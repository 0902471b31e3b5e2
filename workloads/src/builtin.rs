//! Redistributable data embedded in the crate (copied verbatim under `workloads/data/<name>/`, each with
//! its `NOTICE.md`), so the default scenarios run from a fresh clone with no other files.

use crate::data::{self, Dataset};

/// UCI Adult raw training file `adult.data`: 32,561 records, 15 comma-separated fields
/// (`workloads/data/logreg_adult/`). Source: Becker & Kohavi, UCI Machine Learning Repository (1996),
/// doi:10.24432/C5XW20, via the mglearn 0.2.0 package. Licence: CC BY 4.0 (data), BSD (mglearn).
/// Parse with [`data::adult::parse`] or use [`adult`].
pub const ADULT: &str = include_str!("../data/logreg_adult/adult.data");

/// LIBSVM `a9a.t`: the binarised test split of Adult, 16,281 examples, 123 binary features
/// (`workloads/data/logreg_a9a/`). Source: LIBSVM data sets (preprocessing by J. Platt, 1998), via
/// `UltramanGaia/ML2017-lab-02` at commit a83899d. Licence: MIT (repository), CC BY 4.0 (UCI Adult).
/// Parse with [`data::libsvm::parse`] (123 features) or use [`a9a_test`].
pub const A9A_TEST: &str = include_str!("../data/logreg_a9a/a9a.t");

/// scikit-learn's `diabetes_data_raw.csv`: 442 lines of 10 space-separated **unscaled** numbers (age,
/// sex, bmi, bp, s1..s6) (`workloads/data/lasso_diabetes/`). Source: Efron, Hastie, Johnstone &
/// Tibshirani, "Least Angle Regression", Annals of Statistics 32(2), 2004, via the scikit-learn 1.9.1
/// wheel (`sklearn/datasets/data/diabetes_data_raw.csv.gz`, gunzipped). Licence: BSD-3-Clause
/// (scikit-learn). Parse with [`data::lasso::parse_diabetes`] together with [`DIABETES_TARGET`], or use
/// [`diabetes`].
pub const DIABETES_DATA: &str = include_str!("../data/lasso_diabetes/diabetes_data_raw.csv");

/// scikit-learn's `diabetes_target.csv`: 442 lines, one number each (disease progression one year after
/// baseline), same source and licence as [`DIABETES_DATA`].
pub const DIABETES_TARGET: &str = include_str!("../data/lasso_diabetes/diabetes_target.csv");

const PAI_JOBS: [&str; 4] = [
    include_str!("../data/trace_alibaba_pai_v2020/minibatch_job_1_norm.csv"),
    include_str!("../data/trace_alibaba_pai_v2020/minibatch_job_2_norm.csv"),
    include_str!("../data/trace_alibaba_pai_v2020/minibatch_job_3_norm.csv"),
    include_str!("../data/trace_alibaba_pai_v2020/minibatch_job_4_norm.csv"),
];

/// The CSV text of Alibaba PAI mini-batch-time job `n` (`minibatch_job_{n}_norm.csv`, 10 workers each;
/// 300 / 254 / 249 / 2,183 iterations for jobs 1–4, of which 300 / 238 / 248 / 2,182 have a record from
/// every worker; `workloads/data/trace_alibaba_pai_v2020/`), or `None` unless `n` is 1, 2, 3 or 4.
/// Source: `alibaba/clusterdata` cluster-trace-gpu-v2020 at commit 7a6c496 (Xiao et al., "AntMan",
/// OSDI 2020). Licence: CC BY 4.0. Parse with [`data::pai_trace::parse`].
pub fn pai_job(n: u32) -> Option<&'static str> {
    let i = n.checked_sub(1)? as usize;
    PAI_JOBS.get(i).copied()
}

/// [`ADULT`] parsed by [`data::adult::parse`]: 32,561 examples, 109 features (bias, 6 standardised
/// numeric, 102 one-hot).
///
/// # Panics
/// Never: the embedded file parses (checked by this crate's tests).
pub fn adult() -> Dataset {
    data::adult::parse(ADULT).expect("embedded adult.data parses")
}

/// [`A9A_TEST`] parsed by [`data::libsvm::parse`] with 123 LIBSVM features: 16,281 examples, 124 features
/// (bias at 0, then a9a features 1..=123).
///
/// # Panics
/// Never: the embedded file parses (checked by this crate's tests).
pub fn a9a_test() -> Dataset {
    data::libsvm::parse(A9A_TEST, Some(123)).expect("embedded a9a.t parses")
}

/// [`DIABETES_DATA`] and [`DIABETES_TARGET`] parsed by [`data::lasso::parse_diabetes`]: 442 samples ×
/// 10 raw features (the Lasso program standardises them).
///
/// # Panics
/// Never: the embedded files parse (checked by this crate's tests).
pub fn diabetes() -> data::lasso::RegressionData {
    data::lasso::parse_diabetes(DIABETES_DATA, DIABETES_TARGET).expect("embedded diabetes files parse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adult_has_the_documented_shape() {
        let d = adult();
        assert_eq!(d.len(), 32_561);
        assert_eq!(d.num_features(), 109);
        assert_eq!(d.nnz(), 32_561 * 15);
        assert_eq!(d.labels().iter().filter(|&&l| l == 1).count(), 7_841);
    }

    #[test]
    fn a9a_has_the_documented_shape() {
        let d = a9a_test();
        assert_eq!(d.len(), 16_281);
        assert_eq!(d.num_features(), 124);
        assert_eq!(d.nnz(), 225_731 + 16_281);
        assert_eq!(d.labels().iter().filter(|&&l| l == 1).count(), 3_846);
    }

    #[test]
    fn diabetes_has_the_documented_shape() {
        let d = diabetes();
        assert_eq!((d.samples(), d.features()), (442, 10));
        // Upstream sanity values: the target mean is 152.133…, ages run 19..=79, sex is coded 1 or 2.
        let mean = d.targets().iter().sum::<f64>() / 442.0;
        assert!((mean - 152.133_484_162_895_9).abs() < 1e-9, "target mean {mean}");
        assert_eq!(d.column(0).iter().copied().fold(f64::INFINITY, f64::min), 19.0);
        assert_eq!(d.column(0).iter().copied().fold(0.0, f64::max), 79.0);
        assert!(d.column(1).iter().all(|&s| s == 1.0 || s == 2.0));
    }

    #[test]
    fn pai_jobs_parse_and_average_to_one() {
        assert!(pai_job(0).is_none() && pai_job(5).is_none());
        let expected_iterations = [300, 238, 248, 2_182];
        for n in 1..=4 {
            let ratios = data::pai_trace::parse(pai_job(n).unwrap()).unwrap();
            assert_eq!(ratios.len(), 10, "job {n}");
            let iters = ratios[0].len();
            assert_eq!(iters, expected_iterations[n as usize - 1], "job {n}");
            assert!(ratios.iter().all(|s| s.len() == iters && s.iter().all(|&r| r > 0.0)));
            for k in 0..iters {
                let mean = ratios.iter().map(|s| s[k]).sum::<f64>() / 10.0;
                assert!((mean - 1.0).abs() < 1e-12, "job {n} iteration {k}: mean {mean}");
            }
        }
    }
}
