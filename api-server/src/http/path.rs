//! `ApiPath<T>`: a path-parameter extractor whose errors are 422 problems naming the
//! parameter (a malformed UUID, a segment with control characters), where axum's own
//! rejection would be a bare 400.

use super::problem::{ApiError, FieldError};
use axum::{
    extract::{path::ErrorKind, rejection::PathRejection, FromRequestParts, Path, RawPathParams},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let names: Vec<String> = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => {
                let errors: Vec<FieldError> =
                    params.iter().filter_map(|(name, value)| super::text::check(name, value).err()).collect();
                if !errors.is_empty() {
                    return Err(ApiError::Validation(errors));
                }
                params.iter().map(|(name, _)| name.to_owned()).collect()
            }
            Err(_) => Vec::new(),
        };
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(err)) => {
                let field = match err.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ if names.len() == 1 => names[0].clone(),
                    _ => "path".to_owned(),
                };
                Err(ApiError::invalid(field, err.kind().to_string()))
            }
            Err(other) => Err(ApiError::Internal(anyhow::anyhow!("path parameters unavailable: {other}"))),
        }
    }
}
