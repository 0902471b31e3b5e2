//! LIBSVM / SVMlight sparse text format for binary classification (e.g. a9a, Platt 1998).
//!
//! One example per line: `<label> <index>:<value> <index>:<value> ...` with 1-based feature indices,
//! separated by whitespace. Labels `+1`/`1` mean class 1 and `-1`/`0` class 0.
//!
//! Encoding produced by [`parse`]: feature 0 is a bias of constant value 1 in every row, and LIBSVM
//! feature `i` (1-based) becomes feature `i` unchanged, so a file with `d` features gives `d + 1`.

use super::{parse_num, DataError, Dataset};

/// Parses LIBSVM text into a [`Dataset`] with a bias feature at index 0 (see the module docs).
///
/// `num_features` is the number `d` of LIBSVM features (largest allowed 1-based index; a9a has 123);
/// `None` takes the largest index that occurs. The result has `d + 1` features. Indices within a line may
/// come in any order (they are sorted). Blank lines are skipped.
///
/// # Errors
/// With the 1-based line number: [`DataError::InvalidLabel`] for a label other than ±1/0/1,
/// [`DataError::Malformed`] for a token that is not `index:value`, an index of 0 or above `num_features`,
/// or a repeated index, [`DataError::InvalidNumber`] for an unparsable or non-finite value;
/// [`DataError::Empty`] if there is no example.
pub fn parse(text: &str, num_features: Option<u32>) -> Result<Dataset, DataError> {
    let mut row_ptr = vec![0usize];
    let mut indices: Vec<u32> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut labels: Vec<u8> = Vec::new();
    let mut max_index = 0u32;
    let mut row: Vec<(u32, f64)> = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let mut tokens = raw.split_whitespace();
        let Some(label) = tokens.next() else { continue };
        labels.push(match label {
            "+1" | "1" => 1,
            "-1" | "0" => 0,
            _ => return Err(DataError::InvalidLabel { line, text: label.into() }),
        });
        row.clear();
        row.push((0, 1.0));
        for tok in tokens {
            let malformed = |m: String| DataError::Malformed { line, message: m };
            let (i, v) = tok.split_once(':').ok_or_else(|| malformed(format!("`{tok}` is not index:value")))?;
            let i: u32 = i.parse().map_err(|_| malformed(format!("bad feature index in `{tok}`")))?;
            if i == 0 || num_features.is_some_and(|d| i > d) {
                let d = num_features.map_or("∞".to_string(), |d| d.to_string());
                return Err(malformed(format!("feature index {i} outside 1..={d}")));
            }
            let v: f64 = parse_num(v, line, &format!("feature {i}"))?;
            if !v.is_finite() {
                return Err(DataError::InvalidNumber { line, field: format!("feature {i}"), text: tok.into() });
            }
            max_index = max_index.max(i);
            row.push((i, v));
        }
        row.sort_by_key(|&(i, _)| i);
        if let Some(w) = row.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(DataError::Malformed { line, message: format!("feature index {} repeated", w[0].0) });
        }
        indices.extend(row.iter().map(|&(i, _)| i));
        values.extend(row.iter().map(|&(_, v)| v));
        row_ptr.push(indices.len());
    }
    if labels.is_empty() {
        return Err(DataError::Empty("no LIBSVM example".into()));
    }
    let d = num_features.unwrap_or(max_index);
    Dataset::new(d + 1, row_ptr, indices, values, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_bias_and_one_based_indices() {
        let d = parse("-1 3:1 1:0.5\n\n+1 2:2\n", Some(4)).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.num_features(), 5);
        assert_eq!(d.labels(), &[0, 1]);
        assert_eq!(d.row(0), (&[0, 1, 3][..], &[1.0, 0.5, 1.0][..]));
        assert_eq!(d.row(1), (&[0, 2][..], &[1.0, 2.0][..]));
        assert_eq!(parse("1 7:1\n", None).unwrap().num_features(), 8);
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(matches!(parse("1 1:1\n2 1:1\n", None), Err(DataError::InvalidLabel { line: 2, .. })));
        assert!(matches!(parse("1 0:1\n", None), Err(DataError::Malformed { line: 1, .. })));
        assert!(matches!(parse("1 5:1\n", Some(4)), Err(DataError::Malformed { line: 1, .. })));
        assert!(matches!(parse("1 2:1 2:1\n", None), Err(DataError::Malformed { line: 1, .. })));
        assert!(matches!(parse("1 2\n", None), Err(DataError::Malformed { line: 1, .. })));
        assert!(matches!(parse("1 2:x\n", None), Err(DataError::InvalidNumber { line: 1, .. })));
        assert!(matches!(parse("", None), Err(DataError::Empty(_))));
    }
}
