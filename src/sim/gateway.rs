//! `--gateway`: the API gateway of a secure SMRT Link. `POST /token` (password and
//! refresh_token grants, client Basic credentials), `POST /revoke`, and every API route under
//! `/SMRTLink/1.0.0` (or `/SMRTLink/2.0.0`) behind `Authorization: Bearer <access token>`.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::RngCore as _;
use serde_json::{Value, json};

use super::error::ApiError;
use super::{Simulator, lock};

/// The client registration every SMRT Link gateway accepts, sent as HTTP Basic credentials.
pub const CLIENT_ID: &str = "KMLz5g7fbmx8RVFKKdu0NOrJic4a";
pub const CLIENT_SECRET: &str = "6NjRXBcFfLZOwHc0Xlidiz4ywcsa";

const DEFAULT_SCOPE: &str = "analysis data-management openid run-design run-qc userinfo";
const API_PREFIXES: [(&str, &str); 2] =
    [("/SMRTLink/1.0.0", "1.0.0"), ("/SMRTLink/2.0.0", "2.0.0")];

/// Refresh tokens outlive access tokens by this factor.
const REFRESH_TTL_FACTOR: u32 = 4;

/// Issued tokens and who they belong to.
#[derive(Default)]
pub(crate) struct Tokens {
    access: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
    /// Every access, refresh and id token handed out, for tests that check none leaks.
    issued: Vec<String>,
}

#[derive(Clone)]
struct Grant {
    user: String,
    scope: String,
    expires: Instant,
}

/// The outcome of the gateway for one request.
pub(crate) enum Gate {
    /// A response from the gateway itself (token endpoints, 401, unknown prefix).
    Done(Response),
    /// An authorized API call: the path without the prefix, the user and the API version.
    Api {
        path: String,
        user: String,
        api_version: &'static str,
    },
}

/// Routes a request through the gateway.
pub(crate) fn gate(
    sim: &Simulator,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Gate {
    let trimmed = path.trim_end_matches('/');
    let endpoint = API_PREFIXES
        .iter()
        .find_map(|(p, _)| trimmed.strip_prefix(p))
        .filter(|rest| *rest == "/token" || *rest == "/revoke")
        .unwrap_or(trimmed);
    match (method, endpoint) {
        (&Method::POST, "/token") => return Gate::Done(token(sim, headers, body)),
        (&Method::POST, "/revoke") => return Gate::Done(revoke(sim, headers, body)),
        _ => {}
    }
    let Some((rest, version)) = API_PREFIXES.iter().find_map(|(p, v)| {
        path.strip_prefix(p)
            .filter(|r| r.is_empty() || r.starts_with('/'))
            .map(|r| (r, *v))
    }) else {
        return Gate::Done(ApiError::no_route(path).into_response());
    };
    match bearer_user(sim, headers) {
        Ok(user) => Gate::Api {
            path: rest.to_string(),
            user,
            api_version: version,
        },
        Err(message) => {
            tracing::info!(path, "rejected API call: {message}");
            let mut response = ApiError::unauthorized(message).into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Gate::Done(response)
        }
    }
}

fn bearer_user(sim: &Simulator, headers: &HeaderMap) -> Result<String, String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("Missing Authorization header: send `Authorization: Bearer <access_token>` from POST /token")?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or("Invalid Authorization header: expected `Bearer <access_token>`")?;
    let tokens = lock(&sim.inner.tokens);
    let grant = tokens
        .access
        .get(token.trim())
        .ok_or("Invalid access token: it is unknown or revoked; log in again at /token")?;
    if grant.expires <= Instant::now() {
        return Err("Expired access token: refresh it or log in again at /token".into());
    }
    Ok(grant.user.clone())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Reads a form-encoded body; a JSON object is accepted too, because the v12.0 document shows
/// the token request as JSON.
fn form(body: &[u8]) -> HashMap<String, String> {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        return map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect();
    }
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    super::routes::percent_decode(&text.replace('+', " "))
}

fn client_authenticated(headers: &HeaderMap) -> bool {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|v| v.trim() == expected)
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn token(sim: &Simulator, headers: &HeaderMap, body: &[u8]) -> Response {
    if !client_authenticated(headers) {
        tracing::info!("token request rejected: missing or wrong client credentials");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing or invalid client credentials: send the SMRT Link client id and secret as HTTP Basic authorization",
        );
    }
    let f = form(body);
    let ttl = sim.config().token_ttl;
    let (user, scope) = match f.get("grant_type").map(String::as_str) {
        Some("password") => {
            let user = f.get("username").cloned().unwrap_or_default();
            let password = f.get("password").cloned().unwrap_or_default();
            let known = sim
                .config()
                .users
                .iter()
                .any(|(u, p)| *u == user && *p == password);
            if !known {
                tracing::info!(user, "login rejected: invalid user credentials");
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_grant",
                    "Invalid user credentials",
                );
            }
            let scope = f
                .get("scope")
                .map(|s| granted_scope(s))
                .unwrap_or_else(|| DEFAULT_SCOPE.to_string());
            (user, scope)
        }
        Some("refresh_token") => {
            let presented = f.get("refresh_token").cloned().unwrap_or_default();
            let mut tokens = lock(&sim.inner.tokens);
            match tokens.refresh.remove(&presented) {
                Some(g) if g.expires > Instant::now() => (g.user, g.scope),
                _ => {
                    tracing::info!("refresh rejected: unknown, used or expired refresh token");
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid refresh token: it is unknown, already used or expired; log in with the password",
                    );
                }
            }
        }
        other => {
            let what = other.unwrap_or("(none)");
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("Unsupported grant_type `{what}`: use password or refresh_token"),
            );
        }
    };
    let (access, refresh, id_token) = (new_token(), new_token(), new_token());
    let now = Instant::now();
    {
        let mut tokens = lock(&sim.inner.tokens);
        tokens
            .issued
            .extend([access.clone(), refresh.clone(), id_token.clone()]);
        // Forget grants long past their expiry so the maps do not grow without bound.
        tokens.access.retain(|_, g| g.expires + ttl > now);
        tokens.refresh.retain(|_, g| g.expires > now);
        tokens.access.insert(
            access.clone(),
            Grant {
                user: user.clone(),
                scope: scope.clone(),
                expires: now + ttl,
            },
        );
        tokens.refresh.insert(
            refresh.clone(),
            Grant {
                user: user.clone(),
                scope: scope.clone(),
                expires: now + ttl * REFRESH_TTL_FACTOR,
            },
        );
    }
    tracing::info!(user, "issued an access token");
    axum::Json(json!({
        "access_token": access,
        "id_token": id_token,
        "refresh_token": refresh,
        "expires_in": ttl.as_secs(),
        "token_type": "Bearer",
        "scope": scope,
    }))
    .into_response()
}

/// Returns the requested scopes that the gateway grants. `welcome` and `sample-setup` are
/// accepted but not granted, as in the example response of PacBio's v12.0 use-case document.
fn granted_scope(requested: &str) -> String {
    let known = DEFAULT_SCOPE.split(' ').collect::<Vec<_>>();
    let mut granted: Vec<&str> = requested
        .split([' ', '+'])
        .filter(|s| known.contains(s))
        .collect();
    granted.sort_unstable();
    granted.dedup();
    if granted.is_empty() {
        DEFAULT_SCOPE.to_string()
    } else {
        granted.join(" ")
    }
}

fn revoke(sim: &Simulator, headers: &HeaderMap, body: &[u8]) -> Response {
    if !client_authenticated(headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing or invalid client credentials",
        );
    }
    let f = form(body);
    if let Some(t) = f.get("token") {
        let mut tokens = lock(&sim.inner.tokens);
        tokens.access.remove(t);
        tokens.refresh.remove(t);
    }
    StatusCode::OK.into_response()
}

impl Simulator {
    /// Makes every issued access token expire now (refresh tokens stay valid); a test hook.
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for g in lock(&self.inner.tokens).access.values_mut() {
            g.expires = now;
        }
    }

    /// Revokes every access and refresh token; a test hook.
    pub fn revoke_all_tokens(&self) {
        let mut tokens = lock(&self.inner.tokens);
        tokens.access.clear();
        tokens.refresh.clear();
    }

    /// Returns every token issued so far (access, refresh and id tokens); a test hook.
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.inner.tokens).issued.clone()
    }

    /// Returns how many access tokens are currently valid.
    pub fn valid_access_tokens(&self) -> usize {
        let now = Instant::now();
        lock(&self.inner.tokens)
            .access
            .values()
            .filter(|g| g.expires > now)
            .count()
    }
}
