//! Reconcile errors, each with a short reason used in metrics and Events.

use crate::children::Kind;

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading the cluster: {0}")]
    Read(#[source] kube::Error),
    #[error("applying {kind:?} {name}: {source}")]
    Apply { kind: Kind, name: String, source: kube::Error },
    #[error("expanding volume claim {claim} (its StorageClass must allow volume expansion): {source}")]
    Expand { claim: String, source: kube::Error },
    #[error("deleting {kind:?} {name}: {source}")]
    Prune { kind: Kind, name: String, source: kube::Error },
    #[error("writing status: {0}")]
    Status(#[source] kube::Error),
    #[error("cleaning up: {0}")]
    Cleanup(#[source] kube::Error),
    #[error("finalizer: {0}")]
    Finalizer(#[source] Box<kube::runtime::finalizer::Error<Error>>),
}

impl Error {
    /// Stable, low-cardinality reason for metrics labels and Event reasons.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Read(_) => "ReadFailed",
            Self::Apply { .. } => "ApplyFailed",
            Self::Prune { .. } => "PruneFailed",
            Self::Expand { .. } => "VolumeExpansionFailed",
            Self::Status(_) => "StatusFailed",
            Self::Cleanup(_) => "CleanupFailed",
            Self::Finalizer(inner) => match inner.as_ref() {
                kube::runtime::finalizer::Error::ApplyFailed(e)
                | kube::runtime::finalizer::Error::CleanupFailed(e) => e.reason(),
                _ => "FinalizerFailed",
            },
        }
    }
}
