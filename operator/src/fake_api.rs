//! An in-memory Kubernetes API server, served as a tower `Service` behind a real
//! `kube::Client`. It stores any resource kind and answers GET, LIST (with equality label
//! selectors), POST, PUT (with resourceVersion conflicts), PATCH (server-side apply, merge
//! and JSON patch, main resource or `/status`), DELETE (finalizers and owner-reference
//! cascade) and WATCH (newline-delimited events, replayed from the requested
//! resourceVersion, so kube-runtime controllers run against it). Every request is recorded so tests and the bench can count reads and writes;
//! failures can be injected per verb and resource. `simulate_cluster` plays the built-in
//! controllers: StatefulSets and Deployments become ready, Jobs complete.
//!
//! Server-side apply is simplified for a single field manager: the applied object replaces
//! the stored one except for server-owned metadata and `status`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use futures::StreamExt;
use http::{Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame};
use kube::api::ApiResource;
use kube::client::Body;
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Body of the fake API's responses: one JSON document, or a stream of watch events.
pub type ResponseBody = UnsyncBoxBody<Bytes, Infallible>;

/// Changes kept for watch replay (the API server's watch cache is bounded too).
const WATCH_HISTORY: usize = 2048;

/// Where an object lives: API prefix (`api/v1`, `apis/apps/v1`), plural, namespace, name.
type Key = (String, String, String, String);

/// One request the fake API received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
}

impl Recorded {
    /// True for requests that change state.
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD")
    }
}

/// An open watch: which objects it wants and where to send their events.
struct Watcher {
    prefix: String,
    plural: String,
    namespace: Option<String>,
    selector: Option<String>,
    events: UnboundedSender<Bytes>,
}

impl Watcher {
    fn wants(&self, key: &Key, object: &Value) -> bool {
        key.0 == self.prefix
            && key.1 == self.plural
            && self.namespace.as_ref().is_none_or(|ns| *ns == key.2)
            && matches_selector(object, self.selector.as_ref())
    }
}

fn watch_line(type_: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": type_, "object": object})).expect("JSON serialises");
    line.push(b'\n');
    Bytes::from(line)
}

#[derive(Default)]
struct State {
    /// Recent changes as (resourceVersion, key, event type, object), for watch replay.
    log: std::collections::VecDeque<(u64, Key, &'static str, Value)>,
    /// Newest resourceVersion dropped from `log`; older watches get 410 Gone.
    log_floor: u64,
    watchers: Vec<Watcher>,
    objects: BTreeMap<Key, Value>,
    resource_version: u64,
    requests: Vec<Recorded>,
    /// Number of recorded requests that were writes.
    writes: usize,
    /// (method, plural, HTTP status) of requests to fail.
    failures: Vec<(String, String, u16)>,
}

/// The in-memory API server. Clones share state.
#[derive(Clone, Default)]
pub struct FakeApi {
    state: Arc<Mutex<State>>,
}

fn prefix(ar: &ApiResource) -> String {
    if ar.group.is_empty() {
        format!("api/{}", ar.version)
    } else {
        format!("apis/{}/{}", ar.group, ar.version)
    }
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
}

fn respond(code: u16, body: &Value) -> Response<ResponseBody> {
    let bytes = Bytes::from(serde_json::to_vec(body).expect("JSON serialises"));
    Response::builder()
        .status(StatusCode::from_u16(code).expect("valid status code"))
        .header("content-type", "application/json")
        .body(Full::new(bytes).boxed_unsync())
        .expect("valid response")
}

/// A parsed request path.
struct Target {
    prefix: String,
    plural: String,
    namespace: Option<String>,
    name: Option<String>,
    status: bool,
}

fn parse_path(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (prefix, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => (format!("api/{v}"), rest),
        ["apis", g, v, rest @ ..] => (format!("apis/{g}/{v}"), rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some((*ns).to_owned()), rest),
        rest => (None, rest),
    };
    let (plural, name, status) = match rest {
        [plural] => (*plural, None, false),
        [plural, name] => (*plural, Some(*name), false),
        [plural, name, "status"] => (*plural, Some(*name), true),
        _ => return None,
    };
    Some(Target { prefix, plural: plural.to_owned(), namespace, name: name.map(str::to_owned), status })
}

fn query(uri: &http::Uri) -> BTreeMap<String, String> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%3D", "=").replace("%2C", ",").replace("%2F", "/")))
        .collect()
}

fn matches_selector(object: &Value, selector: Option<&String>) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else {
        return true;
    };
    selector.split(',').all(|term| match term.split_once('=') {
        Some((k, v)) => object["metadata"]["labels"][k] == *v,
        None => false,
    })
}

/// Everything except metadata and status: changes here bump `metadata.generation`.
fn spec_part(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

impl State {
    fn next_rv(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    /// Stores `object` under `key`, maintaining server-owned metadata.
    fn store(&mut self, key: Key, mut object: Value) -> Value {
        let rv = self.next_rv();
        let previous = self.objects.get(&key).cloned();
        let meta = object["metadata"].as_object_mut().expect("objects have metadata");
        meta.insert("resourceVersion".into(), json!(rv));
        meta.insert("name".into(), json!(key.3));
        if !key.2.is_empty() {
            meta.insert("namespace".into(), json!(key.2));
        }
        match &previous {
            Some(prev) => {
                for field in ["uid", "creationTimestamp"] {
                    meta.insert(field.into(), prev["metadata"][field].clone());
                }
                let generation = prev["metadata"]["generation"].as_i64().unwrap_or(1);
                let bumped = if spec_part(prev) == spec_part(&object) { generation } else { generation + 1 };
                object["metadata"]["generation"] = json!(bumped);
            }
            None => {
                meta.insert("uid".into(), json!(format!("uid-{rv}")));
                meta.insert("creationTimestamp".into(), json!("2026-01-01T00:00:00Z"));
                meta.insert("generation".into(), json!(1));
            }
        }
        let deleting = !object["metadata"]["deletionTimestamp"].is_null();
        let finalizers = object["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty());
        if deleting && !finalizers {
            self.objects.insert(key.clone(), object.clone());
            self.remove(&key);
        } else {
            self.emit(&key, if previous.is_some() { "MODIFIED" } else { "ADDED" }, &object);
            self.objects.insert(key, object.clone());
        }
        object
    }

    /// Records a change and sends it to every watcher that wants it.
    fn emit(&mut self, key: &Key, type_: &'static str, object: &Value) {
        self.log.push_back((self.resource_version, key.clone(), type_, object.clone()));
        if self.log.len() > WATCH_HISTORY {
            self.log_floor = self.log.pop_front().map_or(self.log_floor, |(rv, ..)| rv);
        }
        let line = watch_line(type_, object);
        self.watchers.retain(|w| !w.wants(key, object) || w.events.send(line.clone()).is_ok());
    }

    /// Opens a watch, replaying the changes after the requested resourceVersion; `None`
    /// (410 Gone, like the API server) when that version is older than the history kept.
    fn watch(
        &mut self,
        target: Target,
        params: &BTreeMap<String, String>,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<Bytes>> {
        let (events, receiver) = unbounded_channel();
        let watcher = Watcher {
            prefix: target.prefix,
            plural: target.plural,
            namespace: target.namespace,
            selector: params.get("labelSelector").cloned(),
            events,
        };
        let since: u64 = params.get("resourceVersion").and_then(|rv| rv.parse().ok()).unwrap_or(0);
        if since < self.log_floor {
            return None;
        }
        for (rv, key, type_, object) in &self.log {
            if *rv > since && watcher.wants(key, object) {
                let _ = watcher.events.send(watch_line(type_, object));
            }
        }
        self.watchers.push(watcher);
        Some(receiver)
    }

    /// Removes an object and, like the garbage collector, everything it owns.
    fn remove(&mut self, key: &Key) {
        let Some(mut object) = self.objects.remove(key) else {
            return;
        };
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv);
        self.emit(key, "DELETED", &object);
        let uid = object["metadata"]["uid"].clone();
        let owned: Vec<Key> = self
            .objects
            .iter()
            .filter(|(_, o)| {
                o["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in owned {
            self.remove(&key);
        }
    }

    fn handle(&mut self, method: &str, uri: &http::Uri, content_type: &str, body: &[u8]) -> (u16, Value) {
        let Some(target) = parse_path(uri.path()) else {
            return (404, status_body(404, "NotFound", "unknown path"));
        };
        if let Some((_, _, code)) = self.failures.iter().find(|(m, p, _)| m == method && *p == target.plural)
        {
            return (*code, status_body(*code, "InternalError", "injected failure"));
        }
        let params = query(uri);
        let body: Value =
            if body.is_empty() { Value::Null } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
        let namespace = target.namespace.clone().unwrap_or_default();
        match (method, &target.name) {
            ("GET", None) => {
                let items: Vec<Value> = self
                    .objects
                    .iter()
                    .filter(|((p, pl, ns, _), o)| {
                        *p == target.prefix
                            && *pl == target.plural
                            && (target.namespace.is_none() || *ns == namespace)
                            && matches_selector(o, params.get("labelSelector"))
                    })
                    .map(|(_, o)| o.clone())
                    .collect();
                let api_version =
                    target.prefix.trim_start_matches("apis/").trim_start_matches("api/").to_owned();
                (
                    200,
                    json!({"apiVersion": api_version, "kind": "List",
                             "metadata": {"resourceVersion": self.resource_version.to_string()}, "items": items}),
                )
            }
            ("POST", None) => {
                let mut object = body;
                let name = match object["metadata"]["name"].as_str() {
                    Some(name) => name.to_owned(),
                    None => format!(
                        "{}{}",
                        object["metadata"]["generateName"].as_str().unwrap_or(""),
                        self.resource_version + 1
                    ),
                };
                let key = (target.prefix, target.plural, namespace, name);
                if self.objects.contains_key(&key) {
                    return (409, status_body(409, "AlreadyExists", "object exists"));
                }
                object["metadata"]["name"] = json!(key.3);
                (201, self.store(key, object))
            }
            (_, Some(name)) => {
                let key = (target.prefix.clone(), target.plural.clone(), namespace, name.clone());
                let existing = self.objects.get(&key).cloned();
                self.handle_named(method, key, existing, target.status, &params, content_type, body)
            }
            _ => (405, status_body(405, "MethodNotAllowed", "unsupported")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_named(
        &mut self,
        method: &str,
        key: Key,
        existing: Option<Value>,
        status: bool,
        params: &BTreeMap<String, String>,
        content_type: &str,
        body: Value,
    ) -> (u16, Value) {
        let not_found = || (404, status_body(404, "NotFound", "not found"));
        match method {
            "GET" => existing.map_or_else(not_found, |o| (200, o)),
            "DELETE" => {
                let Some(mut object) = existing else {
                    return not_found();
                };
                let finalizers = object["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty());
                if finalizers {
                    if object["metadata"]["deletionTimestamp"].is_null() {
                        object["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
                        object = self.store(key, object);
                    }
                } else {
                    self.remove(&key);
                }
                (200, object)
            }
            "PUT" => {
                let Some(current) = existing else {
                    return not_found();
                };
                let sent_rv = &body["metadata"]["resourceVersion"];
                if !sent_rv.is_null() && *sent_rv != current["metadata"]["resourceVersion"] {
                    return (409, status_body(409, "Conflict", "the object has been modified"));
                }
                let mut object = body;
                object["status"] = current["status"].clone();
                (200, self.store(key, object))
            }
            "PATCH" => self.patch(key, existing, status, params, content_type, body),
            _ => (405, status_body(405, "MethodNotAllowed", "unsupported")),
        }
    }

    fn patch(
        &mut self,
        key: Key,
        existing: Option<Value>,
        status: bool,
        params: &BTreeMap<String, String>,
        content_type: &str,
        body: Value,
    ) -> (u16, Value) {
        if content_type.starts_with("application/apply-patch") {
            if !params.contains_key("fieldManager") {
                return (400, status_body(400, "BadRequest", "fieldManager is required for apply"));
            }
            let object = match (existing, status) {
                (Some(mut current), true) => {
                    current["status"] = body["status"].clone();
                    current
                }
                (None, true) => return (404, status_body(404, "NotFound", "not found")),
                (Some(current), false) => {
                    let mut object = body;
                    let meta = &current["metadata"];
                    for field in ["finalizers", "deletionTimestamp"] {
                        if !meta[field].is_null() {
                            object["metadata"][field] = meta[field].clone();
                        }
                    }
                    if !current["status"].is_null() {
                        object["status"] = current["status"].clone();
                    }
                    object
                }
                (None, false) => body,
            };
            return (200, self.store(key, object));
        }
        let Some(mut object) = existing else {
            return (404, status_body(404, "NotFound", "not found"));
        };
        if content_type.starts_with("application/json-patch") {
            let Ok(mut ops) = serde_json::from_value::<json_patch::Patch>(body) else {
                return (400, status_body(400, "BadRequest", "malformed JSON patch"));
            };
            // Like the API server, a `test` for null passes on an absent field.
            ops.0.retain(|op| match op {
                json_patch::PatchOperation::Test(t) => {
                    !(t.value.is_null() && object.pointer(t.path.as_str()).is_none())
                }
                _ => true,
            });
            if json_patch::patch(&mut object, &ops).is_err() {
                return (422, status_body(422, "Invalid", "JSON patch test failed"));
            }
        } else {
            json_patch::merge(&mut object, &body);
        }
        (200, self.store(key, object))
    }
}

impl FakeApi {
    /// An empty API server.
    pub fn new() -> FakeApi {
        FakeApi::default()
    }

    /// A `kube::Client` talking to this server.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.clone(), "default")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(ar: &ApiResource, namespace: &str, name: &str) -> Key {
        (prefix(ar), ar.plural.clone(), namespace.to_owned(), name.to_owned())
    }

    /// Stores an object directly, as if a user had created it.
    pub fn insert<K: kube::Resource<DynamicType = ()> + serde::Serialize>(&self, object: &K) {
        let ar = ApiResource::erase::<K>(&());
        let value = serde_json::to_value(object).expect("objects serialise");
        let meta = &value["metadata"];
        let key = Self::key(
            &ar,
            meta["namespace"].as_str().unwrap_or_default(),
            meta["name"].as_str().unwrap_or_default(),
        );
        self.lock().store(key, value);
    }

    /// The stored object, if any.
    pub fn get(&self, ar: &ApiResource, namespace: &str, name: &str) -> Option<Value> {
        self.lock().objects.get(&Self::key(ar, namespace, name)).cloned()
    }

    /// Names of the stored objects of one resource in a namespace.
    pub fn names(&self, ar: &ApiResource, namespace: &str) -> Vec<String> {
        let (p, plural) = (prefix(ar), ar.plural.clone());
        self.lock()
            .objects
            .keys()
            .filter(|(kp, kpl, ns, _)| *kp == p && *kpl == plural && ns == namespace)
            .map(|k| k.3.clone())
            .collect()
    }

    /// Changes a stored object in place, as a user or another controller would.
    pub fn edit(&self, ar: &ApiResource, namespace: &str, name: &str, change: impl FnOnce(&mut Value)) {
        let key = Self::key(ar, namespace, name);
        let mut state = self.lock();
        let mut object = state.objects.get(&key).cloned().expect("edited object exists");
        change(&mut object);
        state.store(key, object);
    }

    /// Deletes a stored object directly (with its owned objects), as a user would.
    pub fn remove(&self, ar: &ApiResource, namespace: &str, name: &str) {
        self.lock().remove(&Self::key(ar, namespace, name));
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Number of writes received so far (cheaper than `requests` for counting).
    pub fn write_count(&self) -> usize {
        self.lock().writes
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        let mut state = self.lock();
        state.requests.clear();
        state.writes = 0;
    }

    /// Makes every `method` request to `plural` fail with HTTP `code`.
    pub fn fail(&self, method: &str, plural: &str, code: u16) {
        self.lock().failures.push((method.to_owned(), plural.to_owned(), code));
    }

    /// Stops injected failures.
    pub fn heal(&self) {
        self.lock().failures.clear();
    }

    /// Plays the built-in controllers once: every StatefulSet and Deployment reports all
    /// replicas ready on its current generation and every Job without a result completes.
    pub fn simulate_cluster(&self) {
        let mut state = self.lock();
        let keys: Vec<Key> = state.objects.keys().cloned().collect();
        for key in keys {
            let mut object = state.objects[&key].clone();
            let generation = object["metadata"]["generation"].clone();
            let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
            let status = match (key.0.as_str(), key.1.as_str()) {
                ("apis/apps/v1", "statefulsets" | "deployments") => json!({
                    "observedGeneration": generation, "replicas": replicas, "readyReplicas": replicas,
                    "updatedReplicas": replicas, "availableReplicas": replicas,
                }),
                ("apis/batch/v1", "jobs") if object["status"]["conditions"].is_null() => json!({
                    "succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}],
                }),
                _ => continue,
            };
            if object["status"] != status {
                object["status"] = status;
                state.store(key, object);
            }
        }
    }
}

impl tower::Service<Request<Body>> for FakeApi {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = body.collect_bytes().await.unwrap_or_default();
            let content_type = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let method = parts.method.as_str().to_owned();
            let recorded = Recorded { method: method.clone(), path: parts.uri.path().to_owned() };
            state.writes += usize::from(recorded.is_write());
            state.requests.push(recorded);
            let params = query(&parts.uri);
            let watching = method == "GET" && params.get("watch").is_some_and(|w| w == "true" || w == "1");
            match parse_path(parts.uri.path()) {
                Some(target) if watching && target.name.is_none() => {
                    let Some(events) = state.watch(target, &params) else {
                        return Ok(respond(410, &status_body(410, "Expired", "too old resource version")));
                    };
                    let timeout: u64 =
                        params.get("timeoutSeconds").and_then(|t| t.parse().ok()).unwrap_or(290);
                    let stream = tokio_stream_of(events)
                        .take_until(tokio::time::sleep(std::time::Duration::from_secs(timeout)))
                        .map(|line| Ok::<_, Infallible>(Frame::data(line)));
                    let response = Response::builder()
                        .status(StatusCode::OK)
                        .header("content-type", "application/json")
                        .body(StreamBody::new(stream).boxed_unsync())
                        .expect("valid response");
                    Ok(response)
                }
                _ => {
                    let (code, body) = state.handle(&method, &parts.uri, &content_type, &bytes);
                    Ok(respond(code, &body))
                }
            }
        })
    }
}

/// The events of a watch as a stream that ends when the server side is dropped.
fn tokio_stream_of(
    mut events: tokio::sync::mpsc::UnboundedReceiver<Bytes>,
) -> impl futures::Stream<Item = Bytes> + Send {
    futures::stream::poll_fn(move |cx| events.poll_recv(cx))
}
