//! Completes the error answers of the OpenAPI document from what the middleware and the
//! extractors do on every route, so each operation's annotation lists only its own
//! outcomes and the document still describes every answer the server gives:
//! - error bodies are `application/problem+json` (RFC 9457), also where an annotation
//!   names the `Problem` schema under `application/json` or gives no body;
//! - an operation with a security requirement can answer 401 (no valid token), and 403
//!   when it admits fewer than every role;
//! - every operation has a `default` answer: a problem document (400 malformed body,
//!   404, 408 timeout, 413, 415, 422 invalid field, 429, 503, 500);
//! - every free-text string carries the one text rule of [`super::text`] as a `pattern`
//!   (no control characters but tab, line feed and carriage return), except in the error
//!   documents, which quote the request.

use serde_json::{json, Map, Value};
use utoipa::openapi::OpenApi;

const PROBLEM_JSON: &str = super::problem::PROBLEM_JSON;
const PROBLEM_SCHEMA: &str = "#/components/schemas/Problem";
const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];
const ALL_ROLES: [&str; 3] = ["user", "merchant", "admin"];
/// The error documents: they quote what the request sent (an unknown field's name, a
/// refused `grant_type`), so the text rule does not hold for them.
const QUOTING_SCHEMAS: [&str; 3] = ["Problem", "FieldError", "OAuthError"];
/// [`super::text::forbidden_char`] as a JSON Schema (ECMA-262) pattern.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// The document, as JSON, with every operation's error answers completed.
pub fn complete(spec: &OpenApi) -> Value {
    let mut document = serde_json::to_value(spec).expect("an OpenAPI document serialises");
    let quoting = QUOTING_SCHEMAS.map(|name| document["components"]["schemas"][name].take());
    add_text_rule(&mut document);
    for (name, schema) in QUOTING_SCHEMAS.into_iter().zip(quoting) {
        document["components"]["schemas"][name] = schema;
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                    complete_operation(operation);
                }
            }
        }
    }
    document
}

/// Gives every string schema without a format, an enum or a pattern of its own the text rule.
fn add_text_rule(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let is_string = match object.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let constrained =
                ["format", "enum", "pattern", "const"].iter().any(|key| object.contains_key(*key));
            if is_string && !constrained {
                object.insert("pattern".to_owned(), Value::String(TEXT_PATTERN.to_owned()));
            }
            object.values_mut().for_each(add_text_rule);
        }
        Value::Array(items) => items.iter_mut().for_each(add_text_rule),
        _ => {}
    }
}

fn complete_operation(operation: &mut Map<String, Value>) {
    let roles = admitted_roles(operation);
    let responses = operation.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    for (status, response) in responses.iter_mut() {
        if status == "default" || status.starts_with('4') || status.starts_with('5') {
            as_problem(response);
        }
    }
    if let Some(roles) = roles {
        responses.entry("401").or_insert_with(|| {
            problem(
                "Authentication required: the bearer access token is missing, invalid, expired or revoked",
            )
        });
        if !ALL_ROLES.iter().all(|role| roles.iter().any(|r| r == role)) {
            responses
                .entry("403")
                .or_insert_with(|| problem(&format!("Forbidden for roles other than {}", roles.join(", "))));
        }
    }
    responses.entry("default").or_insert_with(|| {
        problem(
            "Any other error, as a problem document with a stable `code`: a malformed body (400), \
             a missing resource (404), a timeout (408), a body too large (413) or not JSON (415), \
             invalid fields named in `errors` (422), too many requests (429), a dependency down (503)",
        )
    });
}

/// The roles of the operation's bearer requirement; `None` for an open operation.
fn admitted_roles(operation: &Map<String, Value>) -> Option<Vec<String>> {
    let requirements = operation.get("security")?.as_array()?;
    let roles: Vec<String> = requirements
        .iter()
        .filter_map(|requirement| requirement.get("bearer")?.as_array().cloned())
        .flatten()
        .filter_map(|role| role.as_str().map(str::to_owned))
        .collect();
    (!requirements.is_empty()).then_some(roles)
}

/// Declares an error response's body as a problem document.
fn as_problem(response: &mut Value) {
    let Some(response) = response.as_object_mut() else { return };
    let content = response.entry("content").or_insert_with(|| json!({}));
    let Some(content) = content.as_object_mut() else { return };
    let names_problem =
        |media: &Value| media.pointer("/schema/$ref").and_then(Value::as_str) == Some(PROBLEM_SCHEMA);
    if let Some(media) = content.get("application/json").filter(|media| names_problem(media)).cloned() {
        content.remove("application/json");
        content.insert(PROBLEM_JSON.to_owned(), media);
    }
    if content.is_empty() {
        content.insert(PROBLEM_JSON.to_owned(), json!({ "schema": { "$ref": PROBLEM_SCHEMA } }));
    }
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM_JSON: { "schema": { "$ref": PROBLEM_SCHEMA } } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(value: Value) -> Map<String, Value> {
        let mut operation = value.as_object().unwrap().clone();
        complete_operation(&mut operation);
        operation
    }

    #[test]
    fn problem_bodies_move_to_problem_json_and_other_bodies_stay() {
        let op = operation(json!({"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
            "404": {"description": "gone", "content": {"application/json": {"schema": {"$ref": PROBLEM_SCHEMA}}}},
            "400": {"description": "oauth", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}},
            "409": {"description": "no body"}
        }}));
        let responses = &op["responses"];
        assert!(responses.pointer("/200/content/application~1json").is_some());
        assert!(responses.pointer("/404/content/application~1problem+json").is_some());
        assert!(responses.pointer("/404/content/application~1json").is_none());
        assert!(
            responses.pointer("/400/content/application~1json").is_some(),
            "an OAuth error is not a problem"
        );
        assert!(responses.pointer("/409/content/application~1problem+json").is_some());
        assert!(responses.get("default").is_some());
        assert!(responses.get("401").is_none(), "an open operation needs no token");
    }

    #[test]
    fn the_text_pattern_is_the_text_rule() {
        let pattern = regex::Regex::new(TEXT_PATTERN).unwrap();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| (*c as u32) < 0x2000) {
            let text = format!("a{c}b");
            assert_eq!(
                pattern.is_match(&text),
                super::super::text::forbidden_char(&text).is_none(),
                "U+{:04X}",
                c as u32
            );
        }
        let mut schema = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "id": {"type": "string", "format": "uuid"},
            "note": {"type": ["string", "null"]}, "sort": {"type": "string", "enum": ["a"]}}});
        add_text_rule(&mut schema);
        assert_eq!(schema.pointer("/properties/name/pattern").unwrap(), TEXT_PATTERN);
        assert_eq!(schema.pointer("/properties/note/pattern").unwrap(), TEXT_PATTERN);
        assert!(schema.pointer("/properties/id/pattern").is_none());
        assert!(schema.pointer("/properties/sort/pattern").is_none());
    }

    #[test]
    fn secured_operations_document_401_and_narrower_ones_403() {
        let any =
            operation(json!({"security": [{"bearer": ["user", "merchant", "admin"]}], "responses": {}}));
        assert!(any["responses"].get("401").is_some());
        assert!(any["responses"].get("403").is_none());
        let admin = operation(json!({"security": [{"bearer": ["admin"]}], "responses": {}}));
        assert!(admin["responses"].get("401").is_some());
        assert!(admin["responses"]["403"]["description"].as_str().unwrap().contains("admin"));
    }
}
