//! `ApiJson<T>`: a JSON body extractor whose rejections are problem documents naming
//! the offending field (415 wrong content type, 400 malformed, 413 too large, 422 invalid,
//! including text with control characters).

use super::problem::{ApiError, FieldError};
use axum::{
    extract::{rejection::BytesRejection, FromRequest, Request},
    http::header,
};
use bytes::Bytes;
use serde::de::DeserializeOwned;

/// Extracts and deserialises a JSON body, reporting errors with their JSON path.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(_)
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge
            }
            other => ApiError::MalformedJson(other.body_text()),
        })?;
        parse(&body).map(ApiJson)
    }
}

/// Deserialises `body` (a JSON object), telling syntax errors (400) from type or value
/// errors (422).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::MalformedJson(inner.to_string())
        } else {
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::Validation(vec![FieldError::new(field, strip_position(&inner.to_string()))])
        }
    })?;
    deserializer.end().map_err(|err| ApiError::MalformedJson(err.to_string()))?;
    // Every request body is a JSON object; serde would also read a struct from an array of
    // its fields in order (`[null, null]`), which the contract does not allow.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Validation(vec![FieldError::new("body", "must be a JSON object")]));
    }
    super::text::check_json(body)?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the field path already says where.
fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

fn has_json_content_type(req: &Request) -> bool {
    let Some(content_type) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    content_type.parse::<mime::Mime>().is_ok_and(|mime| {
        mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Cart {
        lines: Vec<Line>,
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let err =
            parse::<Cart>(br#"{"lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":-2}]}"#).unwrap_err();
        let ApiError::Validation(errors) = err else { panic!("expected validation error, got {err:?}") };
        assert_eq!(errors[0].field, "lines[1].quantity");
        assert!(errors[0].message.contains("-2"), "{}", errors[0].message);
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert!(matches!(parse::<Cart>(br#"{"lines": ["#), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse::<Cart>(br#"{"lines": []} trailing"#), Err(ApiError::MalformedJson(_))));
    }

    #[test]
    fn missing_fields_are_validation_errors() {
        let Err(ApiError::Validation(errors)) = parse::<Cart>(br#"{"lines":[{"sku":"A"}]}"#) else {
            panic!("expected validation error")
        };
        assert_eq!(errors[0].field, "lines[0]");
        assert!(errors[0].message.contains("quantity"));
    }

    #[test]
    fn a_body_must_be_an_object_not_an_array_of_the_fields() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Choice {
            a: Option<u32>,
            b: Option<u32>,
        }
        let Err(ApiError::Validation(errors)) = parse::<Choice>(b" [null, null]") else {
            panic!("expected validation error")
        };
        assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("body", "must be a JSON object"));
        assert!(parse::<Choice>(br#" {"a": 1}"#).is_ok());
    }
}
