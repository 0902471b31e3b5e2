//! The error type of the plot renderers.

use plotters::drawing::DrawingAreaErrorKind;

/// Why a plot could not be rendered. Text renderers (JSON, CSV) cannot fail and return `String` directly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// plotters failed while drawing (layout or backend error), with its message.
    #[error("drawing the {plot} plot failed: {message}")]
    Draw {
        /// Which plot was being drawn, e.g. `"convergence"`.
        plot: &'static str,
        /// plotters' error message.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("encoding the {plot} plot as PNG failed: {source}")]
    PngEncode {
        /// Which plot was being encoded.
        plot: &'static str,
        /// The encoder's error.
        #[source]
        source: png::EncodingError,
    },
}

impl ReportError {
    pub(crate) fn draw<E: std::error::Error + Send + Sync>(plot: &'static str, e: DrawingAreaErrorKind<E>) -> Self {
        ReportError::Draw { plot, message: e.to_string() }
    }
}
