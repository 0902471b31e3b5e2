//! clustersim library.
