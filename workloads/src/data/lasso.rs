//! Dense regression data for the Lasso program ([`crate::lasso::Lasso`]) and its two parsers.
//!
//! - **Diabetes** (Efron, Hastie, Johnstone & Tibshirani, "Least Angle Regression", Annals of Statistics
//!   2004): scikit-learn's raw files `diabetes_data_raw.csv` (442 lines, 10 space-separated numbers: age,
//!   sex, bmi, bp, s1..s6, **unscaled**) and `diabetes_target.csv` (442 lines, one number each: disease
//!   progression one year after baseline). BSD-3-Clause; shipped in `workloads/data/lasso_diabetes/` and
//!   embedded as [`crate::builtin::diabetes`]. Parse with [`parse_diabetes`].
//! - **Riboflavin** (Bühlmann, Kalisch & Meier, Annual Review of Statistics and its Application 2014; CRAN
//!   package `hdi`): `riboflavin.csv`, a header `sample,y,<4088 gene names>` and 71 rows (a sample id, the
//!   log riboflavin production rate, 4088 log expression levels). Research use only: never shipped, read
//!   from the data directory by the caller. Parse with [`parse_riboflavin`].
//!
//! The parsers keep the values as written (no centring or scaling; the Lasso program standardises).

use super::{parse_num, DataError};

/// Column names of `diabetes_data_raw.csv`, in file order (from the upstream `diabetes.rst`).
pub const DIABETES_FEATURES: [&str; 10] = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];

/// A dense regression data set: `n` samples × `p` features and one real target per sample.
///
/// The design matrix is stored **column-major** (feature `j`'s `n` values are contiguous), the layout
/// coordinate descent reads. Values are in the data's own units, finite.
#[derive(Clone, Debug, PartialEq)]
pub struct RegressionData {
    feature_names: Vec<String>,
    columns: Vec<f64>,
    targets: Vec<f64>,
}

impl RegressionData {
    /// A data set from feature names (`p` of them), the column-major design matrix `columns`
    /// (`p · n` values, column `j` at `j·n .. (j+1)·n`) and the targets (`n` values).
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] if there is no sample or no feature, `columns.len() != p · n`, or a value
    /// is not finite.
    pub fn new(feature_names: Vec<String>, columns: Vec<f64>, targets: Vec<f64>) -> Result<Self, DataError> {
        let bad = |m: String| Err(DataError::Inconsistent(m));
        let (n, p) = (targets.len(), feature_names.len());
        if n == 0 || p == 0 {
            return bad(format!("{n} samples and {p} features; need at least one of each"));
        }
        if columns.len() != n * p {
            return bad(format!("{} design values for {n} samples × {p} features", columns.len()));
        }
        if let Some(k) = columns.iter().position(|v| !v.is_finite()) {
            return bad(format!("design value of sample {} feature {} is not finite", k % n, k / n));
        }
        if let Some(i) = targets.iter().position(|v| !v.is_finite()) {
            return bad(format!("target of sample {i} is not finite"));
        }
        Ok(RegressionData { feature_names, columns, targets })
    }

    /// Number of samples `n` (rows).
    pub fn samples(&self) -> usize {
        self.targets.len()
    }

    /// Number of features `p` (columns).
    pub fn features(&self) -> usize {
        self.feature_names.len()
    }

    /// The `n` values of feature `j`, by sample.
    ///
    /// # Panics
    /// If `j >= self.features()`.
    pub fn column(&self, j: usize) -> &[f64] {
        let n = self.samples();
        &self.columns[j * n..(j + 1) * n]
    }

    /// The targets `y`, one per sample (`n` values).
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }

    /// The feature names (`p` of them), in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
}

/// Parses scikit-learn's raw diabetes files: `data` is `diabetes_data_raw.csv` (one sample per line, 10
/// numbers separated by spaces, named [`DIABETES_FEATURES`]) and `target` is `diabetes_target.csv` (one
/// number per line). Blank lines are skipped; the `k`-th record of each file is sample `k`. The shipped
/// files give 442 samples × 10 features.
///
/// # Errors
/// With the 1-based line of the file at fault: [`DataError::FieldCount`] for a data line without 10
/// fields or a target line without exactly 1, [`DataError::InvalidNumber`] for a value that is not a
/// finite number (field named as in [`DIABETES_FEATURES`], or `target`). [`DataError::Inconsistent`] if
/// the files hold different numbers of records, [`DataError::Empty`] if they hold none.
pub fn parse_diabetes(data: &str, target: &str) -> Result<RegressionData, DataError> {
    let p = DIABETES_FEATURES.len();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (line, raw) in numbered_lines(data) {
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.len() != p {
            return Err(DataError::FieldCount { line, expected: p, found: fields.len() });
        }
        let row = fields
            .iter()
            .zip(DIABETES_FEATURES)
            .map(|(text, name)| finite(text, line, name))
            .collect::<Result<Vec<f64>, _>>()?;
        rows.push(row);
    }
    let mut targets = Vec::new();
    for (line, raw) in numbered_lines(target) {
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.len() != 1 {
            return Err(DataError::FieldCount { line, expected: 1, found: fields.len() });
        }
        targets.push(finite(fields[0], line, "target")?);
    }
    if rows.is_empty() && targets.is_empty() {
        return Err(DataError::Empty("no diabetes records".into()));
    }
    if rows.len() != targets.len() {
        return Err(DataError::Inconsistent(format!(
            "diabetes_data_raw.csv has {} records but diabetes_target.csv has {}",
            rows.len(),
            targets.len()
        )));
    }
    let names = DIABETES_FEATURES.iter().map(|s| s.to_string()).collect();
    RegressionData::new(names, column_major(&rows, p), targets)
}

/// Parses `riboflavin.csv` (CRAN `hdi`): a comma-separated header whose first two names are `sample` and
/// `y` followed by the gene names, then one sample per line (an id, the target `y`, one value per gene).
/// Blank lines are skipped; `\r\n` line ends are accepted. The research file gives 71 samples × 4088
/// features (genes, in header order); the sample ids are dropped.
///
/// # Errors
/// [`DataError::MissingColumn`] (`sample` or `y`) if the header does not start with them, or if it has no
/// gene column (`gene`); with the 1-based line: [`DataError::FieldCount`] for a row whose field count
/// differs from the header's, [`DataError::InvalidNumber`] for a `y` or gene value that is not a finite
/// number (field named by its header name); [`DataError::Empty`] if there is no header or no sample.
pub fn parse_riboflavin(text: &str) -> Result<RegressionData, DataError> {
    let mut lines = numbered_lines(text);
    let (_, header) = lines.next().ok_or_else(|| DataError::Empty("no header".into()))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    for (k, want) in ["sample", "y"].into_iter().enumerate() {
        if names.get(k) != Some(&want) {
            return Err(DataError::MissingColumn(want.into()));
        }
    }
    let genes = &names[2..];
    if genes.is_empty() {
        return Err(DataError::MissingColumn("gene".into()));
    }
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut targets = Vec::new();
    for (line, raw) in lines {
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if fields.len() != names.len() {
            return Err(DataError::FieldCount { line, expected: names.len(), found: fields.len() });
        }
        targets.push(finite(fields[1], line, "y")?);
        let row = fields[2..]
            .iter()
            .zip(genes)
            .map(|(text, name)| finite(text, line, name))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(DataError::Empty("no riboflavin samples".into()));
    }
    RegressionData::new(genes.iter().map(|s| s.to_string()).collect(), column_major(&rows, genes.len()), targets)
}

/// Non-blank lines with their 1-based numbers.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(k, l)| (k + 1, l)).filter(|(_, l)| !l.trim().is_empty())
}

/// A finite `f64`, or [`DataError::InvalidNumber`].
fn finite(text: &str, line: usize, field: &str) -> Result<f64, DataError> {
    let v: f64 = parse_num(text, line, field)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(DataError::InvalidNumber { line, field: field.into(), text: text.trim().into() })
    }
}

/// Row-major records (`p` values each) to a column-major `[p × n]` vector.
fn column_major(rows: &[Vec<f64>], p: usize) -> Vec<f64> {
    (0..p).flat_map(|j| rows.iter().map(move |r| r[j])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n\n48 1 21.6 87.0 183 103.2 70.0 3.0 3.8918 69\n";
    const TARGET: &str = "1.51e+02\n7.5e+01\n";

    #[test]
    fn diabetes_parses_column_major() {
        let d = parse_diabetes(DATA, TARGET).unwrap();
        assert_eq!((d.samples(), d.features()), (2, 10));
        assert_eq!(d.column(0), &[59.0, 48.0]);
        assert_eq!(d.column(9), &[87.0, 69.0]);
        assert_eq!(d.targets(), &[151.0, 75.0]);
        assert_eq!(d.feature_names()[4], "s1");
    }

    #[test]
    fn diabetes_errors_name_the_line() {
        // Line 3 (after a blank line 2) has 9 fields.
        let short = "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n\n48 1 21.6 87.0 183 103.2 70.0 3.0 3.8918\n";
        assert_eq!(parse_diabetes(short, TARGET), Err(DataError::FieldCount { line: 3, expected: 10, found: 9 }));
        let bad = DATA.replace("103.2", "x");
        assert_eq!(
            parse_diabetes(&bad, TARGET),
            Err(DataError::InvalidNumber { line: 3, field: "s2".into(), text: "x".into() })
        );
        assert_eq!(
            parse_diabetes(DATA, "151\nNaN\n"),
            Err(DataError::InvalidNumber { line: 2, field: "target".into(), text: "NaN".into() })
        );
        assert_eq!(parse_diabetes(DATA, "151\n75 1\n"), Err(DataError::FieldCount { line: 2, expected: 1, found: 2 }));
        assert!(matches!(parse_diabetes(DATA, "151\n"), Err(DataError::Inconsistent(_))));
        assert!(matches!(parse_diabetes("\n", ""), Err(DataError::Empty(_))));
    }

    const RIBO: &str = "sample,y,G1_at,G2_at,G3_at\r\ns1,-6.5,8.0,7.0,1.5\r\ns2,-7.25,9.0,6.0,2.5\r\n";

    #[test]
    fn riboflavin_parses_header_and_rows() {
        let d = parse_riboflavin(RIBO).unwrap();
        assert_eq!((d.samples(), d.features()), (2, 3));
        assert_eq!(d.feature_names(), &["G1_at", "G2_at", "G3_at"]);
        assert_eq!(d.targets(), &[-6.5, -7.25]);
        assert_eq!(d.column(1), &[7.0, 6.0]);
        assert_eq!(d.column(2), &[1.5, 2.5]);
    }

    #[test]
    fn riboflavin_errors_name_the_line() {
        let short = RIBO.replace("9.0,6.0,", "9.0,");
        assert_eq!(parse_riboflavin(&short), Err(DataError::FieldCount { line: 3, expected: 5, found: 4 }));
        let bad = RIBO.replace("7.0", "seven");
        assert_eq!(
            parse_riboflavin(&bad),
            Err(DataError::InvalidNumber { line: 2, field: "G2_at".into(), text: "seven".into() })
        );
        let bad_y = RIBO.replace("-7.25", "inf");
        assert_eq!(
            parse_riboflavin(&bad_y),
            Err(DataError::InvalidNumber { line: 3, field: "y".into(), text: "inf".into() })
        );
        assert_eq!(parse_riboflavin("id,y,G1\n"), Err(DataError::MissingColumn("sample".into())));
        assert_eq!(parse_riboflavin("sample,z,G1\n"), Err(DataError::MissingColumn("y".into())));
        assert_eq!(parse_riboflavin("sample,y\ns1,1\n"), Err(DataError::MissingColumn("gene".into())));
        assert!(matches!(parse_riboflavin("sample,y,G1\n"), Err(DataError::Empty(_))));
        assert!(matches!(parse_riboflavin(""), Err(DataError::Empty(_))));
    }

    #[test]
    fn new_rejects_inconsistent_shapes() {
        let names = vec!["a".to_string(), "b".to_string()];
        assert!(RegressionData::new(names.clone(), vec![1.0, 2.0, 3.0], vec![1.0, 2.0]).is_err());
        assert!(RegressionData::new(names.clone(), vec![1.0, f64::NAN, 3.0, 4.0], vec![1.0, 2.0]).is_err());
        assert!(RegressionData::new(names, vec![], vec![]).is_err());
    }
}
