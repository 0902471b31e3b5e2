//! Bag-of-words corpora in Blei's LDA-C format (`lda-c`, Blei, Ng & Jordan, JMLR 2003; the format of
//! `reuters.ldac` in the PyPI package `lda`).
//!
//! One document per line: `N id:count id:count …`, where `N` is the number of distinct terms listed,
//! each `id` a **0-based** term id below the vocabulary size and each `count ≥ 1` the number of
//! occurrences of that term in the document. Fields are separated by ASCII whitespace; blank lines are
//! skipped (they are not documents), and a line `0` is an empty document. The vocabulary, when given, is
//! a text with one token per line, line `i` (0-based) naming term id `i`.
//!
//! Every error names the 1-based line of the input where it was found.

use super::{parse_num, DataError};

/// A bag-of-words corpus: `D` documents over a vocabulary of `V` term ids, each document expanded into
/// its tokens (one per occurrence), so a topic model can give every token its own assignment.
///
/// Document `d`'s tokens are `words[doc_ptr[d]..doc_ptr[d+1]]`: term ids `< V`, in the order the terms
/// were listed, each repeated `count` times (`3:2 7:1` gives tokens `3 3 7`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corpus {
    vocab_size: u32,
    doc_ptr: Vec<usize>,
    words: Vec<u32>,
    vocabulary: Option<Vec<String>>,
}

impl Corpus {
    /// A corpus from documents given as token lists (term ids, one entry per occurrence) over a
    /// vocabulary of `vocab_size` ids; e.g. to build synthetic corpora or to replicate documents for scale.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] if a term id is `>= vocab_size`; [`DataError::Empty`] if there are no
    /// tokens at all.
    pub fn from_documents<I, D>(vocab_size: u32, documents: I) -> Result<Self, DataError>
    where
        I: IntoIterator<Item = D>,
        D: AsRef<[u32]>,
    {
        let mut doc_ptr = vec![0];
        let mut words = Vec::new();
        for (d, doc) in documents.into_iter().enumerate() {
            let doc = doc.as_ref();
            if let Some(&w) = doc.iter().find(|&&w| w >= vocab_size) {
                return Err(DataError::Inconsistent(format!("document {d}: term id {w} out of range 0..{vocab_size}")));
            }
            words.extend_from_slice(doc);
            doc_ptr.push(words.len());
        }
        if words.is_empty() {
            return Err(DataError::Empty("the corpus has no tokens".into()));
        }
        Ok(Corpus { vocab_size, doc_ptr, words, vocabulary: None })
    }

    /// Size `V` of the vocabulary: term ids are `0..V` (not every id need occur).
    pub fn vocab_size(&self) -> u32 {
        self.vocab_size
    }

    /// Number of documents `D` (empty ones included).
    pub fn num_docs(&self) -> usize {
        self.doc_ptr.len() - 1
    }

    /// Total number of tokens (word occurrences) over all documents.
    pub fn num_tokens(&self) -> usize {
        self.words.len()
    }

    /// The tokens of document `d`: term ids, one per occurrence.
    ///
    /// # Panics
    /// If `d >= self.num_docs()`.
    pub fn doc(&self, d: usize) -> &[u32] {
        &self.words[self.doc_ptr[d]..self.doc_ptr[d + 1]]
    }

    /// The vocabulary (token of each term id, `V` entries), if the corpus was parsed with one.
    pub fn vocabulary(&self) -> Option<&[String]> {
        self.vocabulary.as_deref()
    }

    /// The token of term id `id`, if the corpus has a vocabulary and `id < V`.
    pub fn term(&self, id: u32) -> Option<&str> {
        self.vocabulary.as_ref()?.get(id as usize).map(String::as_str)
    }
}

/// Parses LDA-C text (module docs) whose term ids are `< vocab_size`.
///
/// # Errors
/// - [`DataError::InvalidNumber`] if `N`, an id or a count is not a non-negative integer, or a count is 0
///   (field `"N"`, `"term k id"` or `"term k count"`, `k` 1-based);
/// - [`DataError::Malformed`] if a term is not `id:count`, `N` differs from the number of terms listed,
///   an id is `>= vocab_size`, or an id occurs twice on one line;
/// - [`DataError::Empty`] if the text has no document or no token.
///
/// Each error but the last names the 1-based line.
pub fn parse(text: &str, vocab_size: u32) -> Result<Corpus, DataError> {
    let mut doc_ptr = vec![0];
    let mut words = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let mut fields = raw.split_ascii_whitespace();
        let Some(first) = fields.next() else { continue };
        let n: usize = parse_num(first, line, "N")?;
        seen.clear();
        let mut listed = 0usize;
        for (k, field) in fields.enumerate() {
            let k = k + 1;
            let Some((id, count)) = field.split_once(':') else {
                return Err(DataError::Malformed { line, message: format!("term {k}: `{field}` is not `id:count`") });
            };
            let id: u32 = parse_num(id, line, &format!("term {k} id"))?;
            let count: u32 = parse_num(count, line, &format!("term {k} count"))?;
            if count == 0 {
                return Err(DataError::InvalidNumber { line, field: format!("term {k} count"), text: "0".into() });
            }
            if id >= vocab_size {
                return Err(DataError::Malformed {
                    line,
                    message: format!("term {k}: id {id} out of range 0..{vocab_size}"),
                });
            }
            if seen.contains(&id) {
                return Err(DataError::Malformed { line, message: format!("term {k}: id {id} listed twice") });
            }
            seen.push(id);
            words.extend(std::iter::repeat_n(id, count as usize));
            listed += 1;
        }
        if listed != n {
            return Err(DataError::Malformed { line, message: format!("declares {n} terms but lists {listed}") });
        }
        doc_ptr.push(words.len());
    }
    if doc_ptr.len() == 1 {
        return Err(DataError::Empty("no documents".into()));
    }
    if words.is_empty() {
        return Err(DataError::Empty("no tokens in any document".into()));
    }
    Ok(Corpus { vocab_size, doc_ptr, words, vocabulary: None })
}

/// Parses LDA-C text `text` against the vocabulary `tokens` (one token per line, line `i` = term id
/// `i`, as `reuters.tokens`; a final newline does not add a token). The vocabulary size is its number of
/// lines, and [`Corpus::term`] names the ids.
///
/// # Errors
/// [`DataError::Malformed`] naming the 1-based line of `tokens` if a token is empty or contains
/// whitespace (message prefixed `vocabulary:`); otherwise as [`parse`], with lines of `text`.
pub fn parse_with_vocabulary(text: &str, tokens: &str) -> Result<Corpus, DataError> {
    let mut vocabulary = Vec::new();
    for (i, raw) in tokens.lines().enumerate() {
        let token = raw.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(DataError::Malformed { line: i + 1, message: format!("vocabulary: `{raw}` is not one token") });
        }
        vocabulary.push(token.to_string());
    }
    let vocab_size = u32::try_from(vocabulary.len())
        .map_err(|_| DataError::Inconsistent(format!("vocabulary of {} tokens exceeds u32", vocabulary.len())))?;
    let mut corpus = parse(text, vocab_size)?;
    corpus.vocabulary = Some(vocabulary);
    Ok(corpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documents_into_tokens() {
        let c = parse("2 0:2 3:1\n\n0\n1 4:3\n", 5).unwrap();
        assert_eq!(c.num_docs(), 3);
        assert_eq!(c.vocab_size(), 5);
        assert_eq!(c.num_tokens(), 6);
        assert_eq!(c.doc(0), &[0, 0, 3]);
        assert_eq!(c.doc(1), &[] as &[u32]);
        assert_eq!(c.doc(2), &[4, 4, 4]);
        assert_eq!(c.vocabulary(), None);
        assert_eq!(c.term(0), None);
        // Windows line ends and extra spaces are accepted.
        assert_eq!(parse("2  0:2\t3:1\r\n0\r\n1 4:3", 5).unwrap(), c);
        assert_eq!(Corpus::from_documents(5, [vec![0, 0, 3], vec![], vec![4, 4, 4]]).unwrap(), c);
    }

    #[test]
    fn vocabulary_names_terms() {
        let c = parse_with_vocabulary("1 1:2\n2 0:1 2:1\n", "apple\nbanana\ncherry\n").unwrap();
        assert_eq!(c.vocab_size(), 3);
        assert_eq!(c.term(1), Some("banana"));
        assert_eq!(c.term(3), None);
        assert_eq!(c.vocabulary().unwrap().len(), 3);
        let err = parse_with_vocabulary("1 3:1\n", "apple\nbanana\ncherry\n").unwrap_err();
        assert_eq!(err, DataError::Malformed { line: 1, message: "term 1: id 3 out of range 0..3".into() });
        let err = parse_with_vocabulary("1 0:1\n", "apple\n\ncherry\n").unwrap_err();
        assert!(matches!(err, DataError::Malformed { line: 2, ref message } if message.starts_with("vocabulary:")));
        let err = parse_with_vocabulary("1 0:1\n", "apple\nbig apple\n").unwrap_err();
        assert!(matches!(err, DataError::Malformed { line: 2, .. }));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_number() {
        let ok = "1 0:1\n";
        let cases: [(&str, DataError); 8] = [
            ("x 0:1", DataError::InvalidNumber { line: 2, field: "N".into(), text: "x".into() }),
            ("2 0:1", DataError::Malformed { line: 2, message: "declares 2 terms but lists 1".into() }),
            ("1 0:1 1:1", DataError::Malformed { line: 2, message: "declares 1 terms but lists 2".into() }),
            ("1 0-1", DataError::Malformed { line: 2, message: "term 1: `0-1` is not `id:count`".into() }),
            ("2 0:1 a:1", DataError::InvalidNumber { line: 2, field: "term 2 id".into(), text: "a".into() }),
            ("1 0:-1", DataError::InvalidNumber { line: 2, field: "term 1 count".into(), text: "-1".into() }),
            ("1 0:0", DataError::InvalidNumber { line: 2, field: "term 1 count".into(), text: "0".into() }),
            ("2 4:1 4:2", DataError::Malformed { line: 2, message: "term 2: id 4 listed twice".into() }),
        ];
        for (bad, expected) in cases {
            let text = format!("{ok}{bad}\n{ok}");
            assert_eq!(parse(&text, 10).unwrap_err(), expected, "{bad:?}");
        }
        let err = parse("1 0:1\n\n1 10:1\n", 10).unwrap_err();
        assert_eq!(err, DataError::Malformed { line: 3, message: "term 1: id 10 out of range 0..10".into() });
        assert_eq!(err.to_string(), "line 3: term 1: id 10 out of range 0..10");
    }

    #[test]
    fn empty_inputs_are_rejected() {
        assert!(matches!(parse("", 3), Err(DataError::Empty(_))));
        assert!(matches!(parse("\n\n", 3), Err(DataError::Empty(_))));
        assert!(matches!(parse("0\n0\n", 3), Err(DataError::Empty(_))));
        assert!(matches!(Corpus::from_documents(3, [Vec::<u32>::new()]), Err(DataError::Empty(_))));
        assert!(matches!(Corpus::from_documents(3, [vec![3]]), Err(DataError::Inconsistent(_))));
    }
}
