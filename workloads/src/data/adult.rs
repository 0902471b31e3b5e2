//! The UCI Adult / Census Income raw file (`adult.data`, Becker & Kohavi 1996, CC BY 4.0).
//!
//! Format: one record per line, 15 comma-separated fields (a space after each comma), no header:
//! age, workclass, fnlwgt, education, education-num, marital-status, occupation, relationship, race,
//! sex, capital-gain, capital-loss, hours-per-week, native-country, income. Missing categorical values
//! are written `?`.
//!
//! Encoding produced by [`parse`] (every row has exactly 15 nonzeros):
//! - feature 0: bias, constant 1;
//! - features 1..=6: the numeric columns age, fnlwgt, education-num, capital-gain, capital-loss,
//!   hours-per-week, each standardised to a z-score `(x − mean) / std` with the population mean and
//!   standard deviation over the parsed file (a column with zero spread encodes as 0);
//! - then the 8 categorical columns one-hot, in column order (workclass, education, marital-status,
//!   occupation, relationship, race, sex, native-country); within a column the categories seen in the
//!   file are numbered in sorted (byte-wise) order, and `?` is a category of its own.
//!
//! On the shipped training file this gives 1 + 6 + 102 = 109 features.

use std::collections::BTreeMap;

use super::{parse_num, DataError, Dataset};

/// Fields per record.
pub const FIELDS: usize = 15;
/// 0-based positions of the numeric columns, in feature order.
pub const NUMERIC_COLUMNS: [usize; 6] = [0, 2, 4, 10, 11, 12];
/// 0-based positions of the categorical columns, in feature order.
pub const CATEGORICAL_COLUMNS: [usize; 8] = [1, 3, 5, 6, 7, 8, 9, 13];
/// Column names, in file order.
pub const COLUMN_NAMES: [&str; FIELDS] = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
];

/// Parses the raw Adult text into a [`Dataset`] (encoding in the module docs); label `>50K` = 1 and
/// `<=50K` = 0 (a trailing `.`, as in the upstream test file `adult.test`, is accepted). Blank lines are
/// skipped.
///
/// # Errors
/// [`DataError::FieldCount`] for a record without 15 fields, [`DataError::InvalidNumber`] for a numeric
/// field that is not a finite number, [`DataError::InvalidLabel`] for another income value, each with its
/// 1-based line number; [`DataError::Empty`] if there is no record.
pub fn parse(text: &str) -> Result<Dataset, DataError> {
    let mut numeric: Vec<[f64; 6]> = Vec::new();
    let mut categorical: Vec<[&str; 8]> = Vec::new();
    let mut labels: Vec<u8> = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if fields.len() != FIELDS {
            return Err(DataError::FieldCount { line, expected: FIELDS, found: fields.len() });
        }
        let mut num = [0.0; 6];
        for (slot, &c) in num.iter_mut().zip(&NUMERIC_COLUMNS) {
            let v: f64 = parse_num(fields[c], line, COLUMN_NAMES[c])?;
            if !v.is_finite() {
                return Err(DataError::InvalidNumber { line, field: COLUMN_NAMES[c].into(), text: fields[c].into() });
            }
            *slot = v;
        }
        let mut cat = [""; 8];
        for (slot, &c) in cat.iter_mut().zip(&CATEGORICAL_COLUMNS) {
            *slot = fields[c];
        }
        let label = match fields[14].trim_end_matches('.') {
            ">50K" => 1,
            "<=50K" => 0,
            _ => return Err(DataError::InvalidLabel { line, text: fields[14].into() }),
        };
        numeric.push(num);
        categorical.push(cat);
        labels.push(label);
    }
    let n = labels.len();
    if n == 0 {
        return Err(DataError::Empty("no Adult record".into()));
    }

    // Population mean and standard deviation of each numeric column (two passes, file order).
    let mut mean = [0.0; 6];
    let mut std = [0.0; 6];
    for j in 0..6 {
        mean[j] = numeric.iter().map(|r| r[j]).sum::<f64>() / n as f64;
        let var = numeric.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n as f64;
        std[j] = var.sqrt();
    }

    // Categories of each column in sorted order, numbered after the bias and numeric features.
    let mut dictionaries: Vec<BTreeMap<&str, u32>> = vec![BTreeMap::new(); 8];
    for row in &categorical {
        for (dict, &value) in dictionaries.iter_mut().zip(row) {
            dict.insert(value, 0);
        }
    }
    let mut next = 1 + 6u32;
    for dict in &mut dictionaries {
        for id in dict.values_mut() {
            *id = next;
            next += 1;
        }
    }
    let num_features = next;

    let mut row_ptr = Vec::with_capacity(n + 1);
    let mut indices = Vec::with_capacity(n * 15);
    let mut values = Vec::with_capacity(n * 15);
    row_ptr.push(0);
    for (num, cat) in numeric.iter().zip(&categorical) {
        indices.push(0);
        values.push(1.0);
        for j in 0..6 {
            indices.push(1 + j as u32);
            values.push(if std[j] > 0.0 { (num[j] - mean[j]) / std[j] } else { 0.0 });
        }
        for (dict, value) in dictionaries.iter().zip(cat) {
            indices.push(dict[value]);
            values.push(1.0);
        }
        row_ptr.push(indices.len());
    }
    Dataset::new(num_features, row_ptr, indices, values, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, \
Male, 2174, 0, 40, United-States, <=50K
50, ?, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, White, Male, 0, 0, 13, ?, >50K

38, Private, 215646, HS-grad, 9, Divorced, Handlers-cleaners, Not-in-family, White, Male, 0, 0, 40, Cuba, >50K.
";

    #[test]
    fn encodes_a_small_sample() {
        let d = parse(SAMPLE).unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d.labels(), &[0, 1, 1]);
        // workclass {?, Private, State-gov} 3, education 2, marital 3, occupation 3, relationship 2,
        // race 1, sex 1, country {?, Cuba, United-States} 3 = 18 categorical.
        assert_eq!(d.num_features(), 1 + 6 + 18);
        let (idx, val) = d.row(1);
        assert_eq!(idx.len(), 15);
        assert_eq!((idx[0], val[0]), (0, 1.0));
        // '?' sorts first in workclass: feature 7.
        assert_eq!(idx[7], 7);
        // Standardised age column: mean 0, population variance 1.
        let ages: Vec<f64> = (0..3).map(|i| d.row(i).1[1]).collect();
        assert!(ages.iter().sum::<f64>().abs() < 1e-12);
        assert!((ages.iter().map(|a| a * a).sum::<f64>() / 3.0 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn reports_bad_rows_with_line_numbers() {
        let e = parse("1, a, 2\n").unwrap_err();
        assert_eq!(e, DataError::FieldCount { line: 1, expected: 15, found: 3 });
        let bad = SAMPLE.replace("83311", "x");
        assert!(matches!(parse(&bad), Err(DataError::InvalidNumber { line: 2, .. })));
        let bad = SAMPLE.replace(">50K.", "maybe");
        assert!(matches!(parse(&bad), Err(DataError::InvalidLabel { line: 4, .. })));
        assert!(matches!(parse("\n\n"), Err(DataError::Empty(_))));
    }
}
