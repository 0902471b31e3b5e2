//! ML programs.
