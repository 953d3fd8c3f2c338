//! HTTP routing. One fallback handler matches the path segments by hand, because SMRT Link's
//! routing is permissive: an optional job-type segment, UUID-before-integer ids, a trailing
//! `/`, and a JSON 404 (`Route: <uri> does not exist.`) for everything else.

mod datasets;
mod jobs;
mod misc;
mod projects;
mod runs;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Simulator;
use super::error::{ApiError, ApiResult};
use super::gateway::{self, Gate};

/// Largest request body accepted (run design CSVs and datastore records are small).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Returns the simulator's router. Starts the job engine if a tokio runtime is running.
pub fn router(sim: Simulator) -> Router {
    if tokio::runtime::Handle::try_current().is_ok() {
        sim.start();
    }
    Router::new().fallback(handle).with_state(sim)
}

/// One request as the route handlers see it.
pub(crate) struct Ctx {
    pub sim: Simulator,
    pub method: Method,
    /// The request path as received, for error messages.
    pub uri: String,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    /// The authenticated user (gateway) or the `X-User-ID` header (local mode).
    pub user: Option<String>,
    /// The gateway API version from the path prefix (`1.0.0` or `2.0.0`); `None` locally.
    pub api_version: Option<&'static str>,
}

impl Ctx {
    /// Parses the body as JSON; an empty body is `{}`.
    pub fn json_body(&self) -> ApiResult<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            ApiError::unprocessable(format!(
                "Invalid JSON body for {} {}: {e}",
                self.method, self.uri
            ))
        })
    }

    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn no_route(&self) -> ApiError {
        ApiError::no_route(&self.uri)
    }
}

/// The result type of route handlers.
pub(crate) type Reply = ApiResult<Response>;

pub(crate) fn json(value: impl serde::Serialize) -> Reply {
    Ok(axum::Json(value).into_response())
}

pub(crate) fn created(value: impl serde::Serialize) -> Reply {
    Ok((StatusCode::CREATED, axum::Json(value)).into_response())
}

pub(crate) fn message(text: impl Into<String>) -> Reply {
    json(serde_json::json!({ "message": text.into() }))
}

/// Builds a file download with the `Content-Disposition` name SMRT Link uses.
pub(crate) fn download(bytes: Vec<u8>, content_type: &str, filename: Option<&str>) -> Reply {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(name) = filename
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

async fn handle(State(sim): State<Simulator>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let uri = parts.uri.path().to_string();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Cannot read the request body: {e}"),
            )
            .into_response();
        }
    };
    let query = match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
        Ok(Query(q)) => q,
        Err(e) => {
            return ApiError::unprocessable(format!("Invalid query string: {e}")).into_response();
        }
    };
    let (path, user, api_version) = if sim.config().gateway {
        match gateway::gate(&sim, &parts.method, &uri, &parts.headers, &body) {
            Gate::Done(response) => return response,
            Gate::Api {
                path,
                user,
                api_version,
            } => (path, Some(user), Some(api_version)),
        }
    } else {
        let user = parts
            .headers
            .get("x-user-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        (uri.clone(), user, None)
    };
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let ctx = Ctx {
        sim,
        method: parts.method,
        uri,
        query,
        body,
        user,
        api_version,
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let result = dispatch(&ctx, &segs);
    match result {
        Ok(r) => {
            tracing::debug!(method = %ctx.method, path = %ctx.uri, status = r.status().as_u16(), "request");
            r
        }
        Err(e) => {
            tracing::debug!(method = %ctx.method, path = %ctx.uri, status = e.status.as_u16(), "request failed: {}", e.message);
            e.into_response()
        }
    }
}

fn dispatch(ctx: &Ctx, segs: &[&str]) -> Reply {
    match segs {
        ["status"] if ctx.method == Method::GET => misc::status(ctx),
        ["smrt-link", rest @ ..] => smrt_link(ctx, rest),
        // The legacy `/secondary-analysis` root is an alias of `/smrt-link` on the local port
        // only; the gateway accepts `/smrt-link` alone.
        ["secondary-analysis", rest @ ..] if ctx.api_version.is_none() => smrt_link(ctx, rest),
        _ => Err(ctx.no_route()),
    }
}

fn smrt_link(ctx: &Ctx, segs: &[&str]) -> Reply {
    match (ctx.method.as_str(), segs) {
        ("GET", ["manifests"]) => misc::manifests(),
        ("GET", ["manifests", id]) => misc::manifest(id),
        ("GET", ["dataset-types"]) => misc::dataset_types(),
        ("GET", ["dataset-types", id]) => misc::dataset_type(id),
        (_, ["datasets", rest @ ..]) => datasets::route(ctx, rest),
        (_, ["job-manager", rest @ ..]) => jobs::route(ctx, rest),
        (_, ["datastore-files", rest @ ..]) => misc::datastore_files(ctx, rest),
        ("GET", ["resolved-pipeline-templates"]) => misc::pipelines(),
        ("GET", ["resolved-pipeline-templates", id]) => misc::pipeline(id),
        ("GET", ["resolved-pipeline-templates", id, "presets"]) => {
            misc::pipeline(id).and_then(|_| json(Vec::<Value>::new()))
        }
        ("GET", ["workflow-presets"]) => json(Vec::<Value>::new()),
        ("POST", ["import-run-design"]) => runs::import_run_design(ctx),
        (_, ["runs", rest @ ..]) => runs::route(ctx, rest),
        (_, ["projects", rest @ ..]) => projects::route(ctx, rest),
        _ => Err(ctx.no_route()),
    }
}

pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
