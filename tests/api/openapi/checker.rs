//! `Checker`: sends real requests to a `TestApp` and checks each answer against what the
//! served OpenAPI document says of that operation and status, remembering which operations
//! and statuses it has seen.

use std::collections::BTreeSet;

use rocket::http::Method;
use serde_json::Value;

use super::validate::Schemas;
use crate::helpers::{Resp, TestApp};

/// One documented operation: method (lower case), path template, operation id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub id: String,
}

pub struct Checker<'a> {
    pub app: &'a TestApp,
    pub doc: Value,
    /// (operation id, status) of every checked answer.
    pub seen: BTreeSet<(String, u16)>,
}

/// The served document.
pub fn served(app: &TestApp) -> Value {
    let res = app.client.get("/api/openapi.json").dispatch();
    serde_json::from_str(&res.into_string().unwrap()).unwrap()
}

/// Every documented operation.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut all = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                all.push(Operation {
                    method: method.clone(),
                    path: path.clone(),
                    id: id.to_string(),
                });
            }
        }
    }
    all
}

/// The documented operation that `method path` reaches: the template whose segments match,
/// literal segments preferred over `{parameters}` (as Rocket ranks its routes).
pub fn operation_for(doc: &Value, method: &Method, path: &str) -> Option<Operation> {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    operations(doc)
        .into_iter()
        .filter(|op| op.method == method.as_str().to_lowercase())
        .filter(|op| {
            let template: Vec<&str> = op.path.split('/').collect();
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
        })
        .max_by_key(|op| op.path.split('/').filter(|t| !t.starts_with('{')).count())
}

/// The documented 2xx statuses of `op`.
pub fn success_statuses(doc: &Value, op: &Operation) -> Vec<u16> {
    doc["paths"][&op.path][&op.method]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|s| s.parse().ok())
        .filter(|s| (200..300).contains(s))
        .collect()
}

impl<'a> Checker<'a> {
    pub fn new(app: &'a TestApp) -> Checker<'a> {
        Checker {
            app,
            doc: served(app),
            seen: BTreeSet::new(),
        }
    }

    /// Sends the request and checks the answer against the document; the answer.
    #[track_caller]
    pub fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let body = body.map(|b| b.to_string());
        let res = self.app.raw(method, path, token, body);
        self.check(method, path, &res);
        res
    }

    /// `POST /api/auth/files` (multipart), checked like `call`.
    #[track_caller]
    pub fn upload(&mut self, token: &str, name: &str, bytes: &[u8]) -> Resp {
        let res = self.app.upload(token, name, bytes);
        self.check(Method::Post, "/api/auth/files", &res);
        res
    }

    /// `call` that must answer `status`.
    #[track_caller]
    pub fn expect(
        &mut self,
        status: u16,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let res = self.call(method, path, token, body);
        assert_eq!(res.status, status, "{method} {path} → {}", res.body);
        res
    }

    #[track_caller]
    fn check(&mut self, method: Method, path: &str, res: &Resp) {
        let op = operation_for(&self.doc, &method, path)
            .unwrap_or_else(|| panic!("{method} {path} matches no documented operation"));
        let schemas = Schemas::new(&self.doc);
        let response = self.doc["paths"][&op.path][&op.method]["responses"]
            .get(res.status.to_string())
            .map(|r| schemas.resolve(r))
            .unwrap_or_else(|| {
                panic!(
                    "{} ({method} {path}) answered {}, which it does not document: {}",
                    op.id, res.status, res.body
                )
            });
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{} {}: no application/json schema",
            op.id,
            res.status
        );
        let errors = schemas.errors(schema, &res.body);
        assert!(
            errors.is_empty(),
            "{} ({method} {path}) answered {} that does not match its schema:\n  {}\nbody: {}",
            op.id,
            res.status,
            errors.join("\n  "),
            res.body
        );
        self.seen.insert((op.id, res.status));
    }
}
