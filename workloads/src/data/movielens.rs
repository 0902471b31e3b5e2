//! The MovieLens 100K ratings file `u.data` (GroupLens; Harper & Konstan, ACM TiiS 5(4):19, 2015).
//!
//! **Not redistributable** (research use only): it is not shipped with this crate; the `clustersim`
//! package reads it from a data directory and hands the text to [`parse`].
//!
//! Format: one rating per line, 4 tab-separated integers `user_id item_id rating unix_timestamp`, ids
//! 1-based (users 1..943, items 1..1682 in the 100K set), ratings 1–5 stars.

use super::{parse_num, DataError, Ratings};

/// Parses `u.data` text into [`Ratings`] with 0-based ids (`id − 1`); `users` and `items` are the
/// largest ids that occur. Entries keep file order; the timestamp is checked but dropped. Blank lines
/// are skipped. Fields may be separated by tabs or other whitespace.
///
/// # Errors
/// With the 1-based line number: [`DataError::FieldCount`] for a line without 4 fields,
/// [`DataError::InvalidNumber`] for a non-integer or zero id, a non-finite rating or a non-integer
/// timestamp; [`DataError::Empty`] if there is no rating.
pub fn parse(u_data_text: &str) -> Result<Ratings, DataError> {
    let mut entries = Vec::new();
    let (mut users, mut items) = (0u32, 0u32);
    for (k, raw) in u_data_text.lines().enumerate() {
        let line = k + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if fields.len() != 4 {
            return Err(DataError::FieldCount { line, expected: 4, found: fields.len() });
        }
        let id = |text: &str, field: &str| -> Result<u32, DataError> {
            match parse_num::<u32>(text, line, field)? {
                0 => Err(DataError::InvalidNumber { line, field: field.into(), text: text.into() }),
                v => Ok(v),
            }
        };
        let user = id(fields[0], "user_id")?;
        let item = id(fields[1], "item_id")?;
        let rating: f32 = parse_num(fields[2], line, "rating")?;
        if !rating.is_finite() {
            return Err(DataError::InvalidNumber { line, field: "rating".into(), text: fields[2].into() });
        }
        parse_num::<u64>(fields[3], line, "timestamp")?;
        users = users.max(user);
        items = items.max(item);
        entries.push((user - 1, item - 1, rating));
    }
    if entries.is_empty() {
        return Err(DataError::Empty("no rating".into()));
    }
    Ok(Ratings { users, items, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_sample() {
        let r = parse("196\t242\t3\t881250949\n186\t302\t3\t891717742\n\n22\t377\t1\t878887116\n").unwrap();
        assert_eq!(r.users, 196);
        assert_eq!(r.items, 377);
        assert_eq!(r.entries, vec![(195, 241, 3.0), (185, 301, 3.0), (21, 376, 1.0)]);
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(matches!(parse("1\t2\t3\n"), Err(DataError::FieldCount { line: 1, found: 3, .. })));
        assert!(matches!(parse("1\t1\t3\t5\n0\t2\t3\t5\n"), Err(DataError::InvalidNumber { line: 2, .. })));
        assert!(matches!(parse("1\t2\tx\t5\n"), Err(DataError::InvalidNumber { line: 1, .. })));
        assert!(matches!(parse(""), Err(DataError::Empty(_))));
    }
}
