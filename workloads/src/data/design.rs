//! Placeholder: filled in by the STRADS work.
