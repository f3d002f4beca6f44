//! A small, strict JSON Schema checker for the subset the OpenAPI document uses: `$ref`,
//! `allOf`/`oneOf`/`anyOf`, `type` (one or a list, `"null"` included) and 3.0's `nullable`,
//! `enum`, `required`, `properties`, `items`, `pattern`, lengths and bounds. Strict where
//! it matters: an object property that the schema does not declare is an error, so a field
//! renamed on either side fails.

use std::collections::BTreeSet;

use serde_json::Value;

pub struct Schemas<'a> {
    doc: &'a Value,
}

impl<'a> Schemas<'a> {
    pub fn new(doc: &'a Value) -> Schemas<'a> {
        Schemas { doc }
    }

    /// Follows `$ref` (`#/components/…`) until a schema without one.
    #[track_caller]
    pub fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        while let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external $ref {target}"));
            schema = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {target}"));
        }
        schema
    }

    /// Every way `value` breaks `schema`, each with the JSON path where (empty: it conforms).
    pub fn errors(&self, schema: &'a Value, value: &Value) -> Vec<String> {
        let mut errors = vec![];
        self.check(schema, value, "$", true, &mut errors);
        errors
    }

    /// The properties an object schema declares, through `allOf`; `None` when it declares
    /// none (a free-form object).
    fn declared(&self, schema: &'a Value) -> Option<BTreeSet<&'a str>> {
        let schema = self.resolve(schema);
        let mut names: Option<BTreeSet<&str>> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect());
        for part in schema["allOf"].as_array().into_iter().flatten() {
            if let Some(more) = self.declared(part) {
                names.get_or_insert_with(BTreeSet::new).extend(more);
            }
        }
        names
    }

    /// `strict`: also report properties the schema does not declare (off for the parts of an
    /// `allOf`, which are checked together by their parent).
    fn check(
        &self,
        schema: &'a Value,
        value: &Value,
        at: &str,
        strict: bool,
        errors: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        for part in schema["allOf"].as_array().into_iter().flatten() {
            self.check(part, value, at, false, errors);
        }
        for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(branches) = schema[key].as_array() {
                let matching = branches
                    .iter()
                    .filter(|branch| self.errors_at(branch, value, at).is_empty())
                    .count();
                if matching == 0 || (exactly_one && matching > 1) {
                    errors.push(format!("{at}: {matching} branches of {key} match {value}"));
                }
            }
        }
        if let Some(types) = schema.get("type") {
            let mut allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                other => panic!("{at}: odd type {other}"),
            };
            if schema["nullable"] == Value::Bool(true) {
                allowed.push("null");
            }
            if !allowed.iter().any(|t| is_type(value, t)) {
                errors.push(format!("{at}: {value} is not of type {allowed:?}"));
                return;
            }
        }
        if let Some(values) = schema["enum"].as_array() {
            if !values.contains(value) {
                errors.push(format!("{at}: {value} is not one of {values:?}"));
            }
        }
        match value {
            Value::Object(object) => {
                for name in schema["required"].as_array().into_iter().flatten() {
                    let name = name.as_str().unwrap();
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: required property {name:?} is missing"));
                    }
                }
                let properties = schema["properties"].as_object();
                for (name, item) in object {
                    if let Some(property) = properties.and_then(|p| p.get(name)) {
                        self.check(property, item, &format!("{at}.{name}"), true, errors);
                    }
                }
                if strict {
                    if let Some(declared) = self.declared(schema) {
                        for name in object.keys() {
                            if !declared.contains(name.as_str()) {
                                errors.push(format!("{at}: property {name:?} is not documented"));
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{at}[{i}]"), true, errors);
                    }
                }
                bound(
                    schema,
                    "minItems",
                    "maxItems",
                    items.len() as f64,
                    at,
                    errors,
                );
            }
            Value::String(text) => {
                if let Some(pattern) = schema["pattern"].as_str() {
                    if !regex::Regex::new(pattern).unwrap().is_match(text) {
                        errors.push(format!("{at}: {text:?} does not match {pattern}"));
                    }
                }
                let chars = text.chars().count() as f64;
                bound(schema, "minLength", "maxLength", chars, at, errors);
            }
            Value::Number(n) => {
                bound(
                    schema,
                    "minimum",
                    "maximum",
                    n.as_f64().unwrap(),
                    at,
                    errors,
                );
            }
            _ => {}
        }
    }

    fn errors_at(&self, schema: &'a Value, value: &Value, at: &str) -> Vec<String> {
        let mut errors = vec![];
        self.check(schema, value, at, true, &mut errors);
        errors
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown type {other}"),
    }
}

fn bound(schema: &Value, low: &str, high: &str, n: f64, at: &str, errors: &mut Vec<String>) {
    if schema[low].as_f64().is_some_and(|min| n < min) {
        errors.push(format!("{at}: {n} is below {low} {}", schema[low]));
    }
    if schema[high].as_f64().is_some_and(|max| n > max) {
        errors.push(format!("{at}: {n} is above {high} {}", schema[high]));
    }
}
