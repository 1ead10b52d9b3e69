//! A small validator for CRD OpenAPI v3 schemas that behaves like the API server on create
//! and update: apply `default`s, reject unknown fields (`kubectl --validate=strict`), check
//! types, enums, patterns, bounds and required fields, and evaluate `x-kubernetes-validations`
//! CEL rules (transition rules with `oldSelf` only on update) with `cel-interpreter`.

use std::sync::Arc;

use cel_interpreter::extractors::This;
use cel_interpreter::{Context, Program, Value as Cel};
use serde_json::{Map, Value};

/// Fills missing properties that have a schema `default`, recursively, like the API server.
pub fn apply_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (key, prop) in props {
                    if !obj.contains_key(key) {
                        if let Some(default) = prop.get("default") {
                            obj.insert(key.clone(), default.clone());
                        }
                    }
                    if let Some(child) = obj.get_mut(key) {
                        apply_defaults(prop, child);
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|s| s.is_object()) {
                for child in obj.values_mut() {
                    apply_defaults(extra, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                items.iter_mut().for_each(|item| apply_defaults(item_schema, item));
            }
        }
        _ => {}
    }
}

/// Validates `value` (already defaulted) against `schema`; `old` is the previous object on
/// update. Returns every violation as `path: message`.
pub fn validate(schema: &Value, value: &Value, old: Option<&Value>) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, value, old, "", &mut errors);
    errors
}

fn check(schema: &Value, value: &Value, old: Option<&Value>, path: &str, errors: &mut Vec<String>) {
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    if int_or_string {
        if !(value.is_i64() || value.is_u64() || value.is_string()) {
            errors.push(format!("{path}: expected integer or string"));
        }
    } else if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        check_type(schema, ty, value, old, path, errors);
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            errors.push(format!("{path}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(rules) = schema.get("x-kubernetes-validations").and_then(Value::as_array) {
        for rule in rules {
            check_rule(rule, value, old, path, errors);
        }
    }
}

fn check_type(
    schema: &Value,
    ty: &str,
    value: &Value,
    old: Option<&Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    match (ty, value) {
        ("object", Value::Object(obj)) => check_object(schema, obj, old, path, errors),
        ("array", Value::Array(items)) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item_schema, item, None, &format!("{path}[{i}]"), errors);
                }
            }
        }
        ("string", Value::String(s)) => {
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                let re = regex::Regex::new(pattern).expect("schema patterns compile");
                if !re.is_match(s) {
                    errors.push(format!("{path}: {s:?} does not match {pattern}"));
                }
            }
            let len = s.chars().count() as u64;
            if schema.get("minLength").and_then(Value::as_u64).is_some_and(|min| len < min) {
                errors.push(format!("{path}: shorter than minLength"));
            }
            if schema.get("maxLength").and_then(Value::as_u64).is_some_and(|max| len > max) {
                errors.push(format!("{path}: longer than maxLength"));
            }
        }
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => {
            let n = n.as_f64().unwrap_or_default();
            if schema.get("minimum").and_then(Value::as_f64).is_some_and(|min| n < min) {
                errors.push(format!("{path}: below minimum"));
            }
            if schema.get("maximum").and_then(Value::as_f64).is_some_and(|max| n > max) {
                errors.push(format!("{path}: above maximum"));
            }
        }
        ("number", Value::Number(_)) | ("boolean", Value::Bool(_)) => {}
        (ty, value) => errors.push(format!("{path}: expected {ty}, got {value}")),
    }
}

fn check_object(
    schema: &Value,
    obj: &Map<String, Value>,
    old: Option<&Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    let props = schema.get("properties").and_then(Value::as_object);
    let extra = schema.get("additionalProperties").filter(|s| s.is_object());
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    for (key, child) in obj {
        let child_path = format!("{path}.{key}");
        let old_child = old.and_then(|o| o.get(key));
        if path.is_empty() && key == "metadata" {
            // ObjectMeta is validated by the API server itself, not by the CRD schema.
            continue;
        }
        match (props.and_then(|p| p.get(key)), extra) {
            (Some(prop), _) | (None, Some(prop)) => check(prop, child, old_child, &child_path, errors),
            (None, None) if preserve => {}
            (None, None) => errors.push(format!("{child_path}: unknown field")),
        }
    }
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        let key = required.as_str().unwrap_or_default();
        if !obj.contains_key(key) {
            errors.push(format!("{path}.{key}: required"));
        }
    }
}

fn check_rule(rule: &Value, value: &Value, old: Option<&Value>, path: &str, errors: &mut Vec<String>) {
    let expr = rule["rule"].as_str().expect("every validation has a rule");
    let transition = expr.contains("oldSelf");
    if transition && old.is_none() {
        return;
    }
    let program = Program::compile(expr).unwrap_or_else(|e| panic!("CEL rule {expr:?} does not parse: {e}"));
    let mut context = Context::default();
    // Kubernetes' quantity library, as far as the rules use it.
    context.add_function("quantity", |q: Arc<String>| -> f64 {
        shopfleet_crds::quantity_bytes(&q).unwrap_or_else(|| panic!("{q} is not a quantity"))
    });
    context.add_function("compareTo", |This(a): This<f64>, b: f64| -> i64 {
        a.partial_cmp(&b).map_or(0, |order| order as i64)
    });
    context.add_variable("self", value.clone()).expect("JSON converts to CEL");
    if let Some(old) = old {
        context.add_variable("oldSelf", old.clone()).expect("JSON converts to CEL");
    }
    match program.execute(&context) {
        Ok(Cel::Bool(true)) => {}
        Ok(Cel::Bool(false)) => {
            let message = rule.get("message").and_then(Value::as_str).unwrap_or(expr);
            errors.push(format!("{path}: {message}"));
        }
        other => panic!("CEL rule {expr:?} at {path} did not evaluate to a bool: {other:?}"),
    }
}
