//! `ApiQuery<T>`: a query-string extractor whose errors are 422 problems naming the parameter
//! (including a value or name with control characters).

use super::problem::{ApiError, FieldError};
use axum::{extract::FromRequestParts, http::request::Parts};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let errors: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
            .filter_map(|(name, value)| super::text::check_query_pair(&name, &value).err())
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(ApiQuery).map_err(|err| {
            let field = err.path().to_string();
            let message = err.into_inner().to_string();
            let field = if field == "." { "query".to_owned() } else { field };
            ApiError::Validation(vec![FieldError::new(field, message)])
        })
    }
}
