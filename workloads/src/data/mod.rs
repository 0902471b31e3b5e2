//! Data sets in memory and their parsers.
//!
//! Parsers take the text of a file (`&str`); they never open files themselves (the `clustersim` package
//! reads files, and [`crate::builtin`] embeds the redistributable ones). Every parse error names the
//! 1-based line of the input where it was found.

pub mod adult;
pub mod design;
pub mod lasso;
pub mod ldac;
pub mod libsvm;
pub mod movielens;
pub mod pai_trace;
pub mod synthetic;

use thiserror::Error;

/// Why a data file could not be parsed or a data set could not be built.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataError {
    /// A row has the wrong number of fields.
    #[error("line {line}: expected {expected} fields, found {found}")]
    FieldCount {
        /// 1-based line number in the input.
        line: usize,
        /// Fields a row of this format has.
        expected: usize,
        /// Fields the row had.
        found: usize,
    },
    /// A field that must be a number is not one (or is out of the allowed range).
    #[error("line {line}: field `{field}`: invalid value `{text}`")]
    InvalidNumber {
        /// 1-based line number in the input.
        line: usize,
        /// Name (or 1-based position) of the field.
        field: String,
        /// The offending text.
        text: String,
    },
    /// A class label that the format does not allow.
    #[error("line {line}: invalid label `{text}`")]
    InvalidLabel {
        /// 1-based line number in the input.
        line: usize,
        /// The offending text.
        text: String,
    },
    /// Any other malformed line (e.g. a LIBSVM feature without `index:value`, a duplicate index).
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line number in the input.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from a CSV header.
    #[error("missing column `{0}` in the header")]
    MissingColumn(String),
    /// The input contains no usable records.
    #[error("no data: {0}")]
    Empty(String),
    /// The arrays given to [`Dataset::new`] are inconsistent.
    #[error("inconsistent data set: {0}")]
    Inconsistent(String),
}

/// A binary-classification data set: sparse feature rows in compressed sparse row (CSR) form and
/// labels in {0, 1}.
///
/// Example `i` has the nonzero features `indices[row_ptr[i]..row_ptr[i+1]]` (strictly increasing, each
/// `< num_features`) with the values `values[..]` at the same positions (unitless; already encoded and
/// scaled by the parser). The parsers in this crate put a constant bias feature of value 1 at index 0 of
/// every row, so a linear model needs no separate intercept.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    num_features: u32,
    row_ptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    labels: Vec<u8>,
}

impl Dataset {
    /// A data set from CSR arrays: `row_ptr` has one more entry than `labels`, starts at 0, is
    /// non-decreasing and ends at `indices.len() == values.len()`; indices within a row are strictly
    /// increasing and `< num_features`; values are finite; labels are 0 or 1.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first violated condition.
    pub fn new(
        num_features: u32,
        row_ptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f64>,
        labels: Vec<u8>,
    ) -> Result<Self, DataError> {
        let bad = |m: String| Err(DataError::Inconsistent(m));
        if row_ptr.len() != labels.len() + 1 {
            return bad(format!("row_ptr has {} entries for {} labels", row_ptr.len(), labels.len()));
        }
        if row_ptr[0] != 0 || *row_ptr.last().unwrap_or(&0) != indices.len() || indices.len() != values.len() {
            return bad("row_ptr must run from 0 to the number of nonzeros of indices and values".into());
        }
        for (i, w) in row_ptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return bad(format!("row_ptr decreases at row {i}"));
            }
            let row = &indices[w[0]..w[1]];
            if row.windows(2).any(|p| p[0] >= p[1]) {
                return bad(format!("row {i}: feature indices not strictly increasing"));
            }
            if row.last().is_some_and(|&j| j >= num_features) {
                return bad(format!("row {i}: feature index out of range 0..{num_features}"));
            }
        }
        if let Some(p) = values.iter().position(|v| !v.is_finite()) {
            return bad(format!("value {p} is not finite"));
        }
        if let Some(i) = labels.iter().position(|&l| l > 1) {
            return bad(format!("label of row {i} is not 0 or 1"));
        }
        Ok(Dataset { num_features, row_ptr, indices, values, labels })
    }

    /// Number of features (columns), including the bias feature.
    pub fn num_features(&self) -> u32 {
        self.num_features
    }

    /// Number of examples (rows).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Total number of stored nonzeros.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The feature indices and values of example `i` (same length; indices strictly increasing).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.row_ptr[i], self.row_ptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The label of example `i`, 0 or 1.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All labels, one per example, each 0 or 1.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }
}

/// Explicit ratings of a user × item matrix (matrix factorisation / collaborative filtering).
#[derive(Clone, Debug, PartialEq)]
pub struct Ratings {
    /// Number of users; user ids are `0..users`.
    pub users: u32,
    /// Number of items; item ids are `0..items`.
    pub items: u32,
    /// Observed entries `(user, item, rating)`, 0-based ids, rating in the data's own scale
    /// (MovieLens: stars 1–5).
    pub entries: Vec<(u32, u32, f32)>,
}

/// Parses a field as `T`, or reports it as an [`DataError::InvalidNumber`] on `line`.
pub(crate) fn parse_num<T: std::str::FromStr>(text: &str, line: usize, field: &str) -> Result<T, DataError> {
    text.trim().parse::<T>().map_err(|_| DataError::InvalidNumber {
        line,
        field: field.to_string(),
        text: text.trim().to_string(),
    })
}

/// A standard normal variate from two uniforms (Box–Muller, cosine branch only).
pub(crate) fn standard_normal<R: rand::Rng>(rng: &mut R) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
