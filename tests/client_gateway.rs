//! Gateway authentication against a small local stub of the token endpoint and the prefixed
//! API, so that expiry, refresh failures and revoked tokens happen exactly when a test wants.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use slflow::smrtlink::{ApiErrorKind, AuthFailure, Client, ClientConfig, Credentials, RetryPolicy};
use tokio::net::TcpListener;

const BASIC: &str =
    "Basic S01MejVnN2ZibXg4UlZGS0tkdTBOT3JKaWM0YTo2TmpSWEJjRmZMWk93SGMwWGxpZGl6NHl3Y3Nh";
const SCOPE: &str =
    "welcome run-design run-qc openid analysis sample-setup data-management userinfo";

struct Gateway {
    password: Mutex<String>,
    ttl_seconds: u64,
    refresh_works: AtomicBool,
    /// access token -> expiry
    access: Mutex<HashMap<String, Instant>>,
    refresh: Mutex<Vec<String>>,
    issued: AtomicUsize,
    logins: AtomicUsize,
    refreshes: AtomicUsize,
    api_calls: AtomicUsize,
    api_unauthorized: AtomicUsize,
    always_unauthorized: AtomicBool,
}

impl Gateway {
    fn new(ttl_seconds: u64) -> Arc<Gateway> {
        Arc::new(Gateway {
            password: Mutex::new("s3cret-pw".to_string()),
            ttl_seconds,
            refresh_works: AtomicBool::new(true),
            access: Mutex::new(HashMap::new()),
            refresh: Mutex::new(Vec::new()),
            issued: AtomicUsize::new(0),
            logins: AtomicUsize::new(0),
            refreshes: AtomicUsize::new(0),
            api_calls: AtomicUsize::new(0),
            api_unauthorized: AtomicUsize::new(0),
            always_unauthorized: AtomicBool::new(false),
        })
    }

    fn issue(&self) -> serde_json::Value {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        let access = format!("access-token-{n}");
        let refresh = format!("refresh-token-{n}");
        let expiry = Instant::now() + Duration::from_secs(self.ttl_seconds);
        self.access
            .lock()
            .expect("lock")
            .insert(access.clone(), expiry);
        self.refresh.lock().expect("lock").push(refresh.clone());
        json!({"access_token": access, "refresh_token": refresh, "id_token": "id",
               "expires_in": self.ttl_seconds, "token_type": "Bearer",
               "scope": "analysis data-management openid run-design run-qc userinfo"})
    }

    fn revoke_all(&self) {
        self.access.lock().expect("lock").clear();
    }
}

fn oauth_error(status: StatusCode, description: &str) -> Response {
    (
        status,
        Json(json!({"error": "invalid_grant", "error_description": description})),
    )
        .into_response()
}

async fn token(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        != Some(BASIC)
    {
        return oauth_error(StatusCode::UNAUTHORIZED, "bad client credentials");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            gateway.logins.fetch_add(1, Ordering::SeqCst);
            let password = gateway.password.lock().expect("lock").clone();
            let valid = form.get("username").map(String::as_str) == Some("alice")
                && form.get("password") == Some(&password)
                && form.get("scope").map(String::as_str) == Some(SCOPE);
            if !valid {
                return oauth_error(StatusCode::UNAUTHORIZED, "Invalid user credentials");
            }
            Json(gateway.issue()).into_response()
        }
        Some("refresh_token") => {
            gateway.refreshes.fetch_add(1, Ordering::SeqCst);
            let known = form
                .get("refresh_token")
                .is_some_and(|token| gateway.refresh.lock().expect("lock").contains(token));
            if !known || !gateway.refresh_works.load(Ordering::SeqCst) {
                return oauth_error(StatusCode::BAD_REQUEST, "Token is not active");
            }
            Json(gateway.issue()).into_response()
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported grant_type"),
    }
}

async fn status(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    gateway.api_calls.fetch_add(1, Ordering::SeqCst);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_string);
    let valid = bearer.is_some_and(|token| {
        gateway
            .access
            .lock()
            .expect("lock")
            .get(&token)
            .is_some_and(|expiry| Instant::now() < *expiry)
    });
    if !valid || gateway.always_unauthorized.load(Ordering::SeqCst) {
        gateway.api_unauthorized.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::UNAUTHORIZED, "Invalid Credentials").into_response();
    }
    Json(
        json!({"id": "smrtlink_analysis", "uuid": "5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab",
                "version": "12.0.0", "uptime": 1, "message": "up", "user": "alice"}),
    )
    .into_response()
}

async fn serve(gateway: Arc<Gateway>, prefix: &str) -> String {
    let router = Router::new()
        .route("/token", post(token))
        .route(&format!("{prefix}/status"), get(status))
        .with_state(gateway);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("stub server runs");
    });
    format!("http://{address}")
}

fn client(base_url: &str, password: &str) -> Client {
    let mut config = ClientConfig::gateway(base_url, Credentials::new("alice", password));
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(1),
    };
    Client::new(config).expect("client builds")
}

#[tokio::test]
async fn login_once_then_reuse_token() {
    let gateway = Gateway::new(3600);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );

    client.status().await.expect("first call logs in");
    client.status().await.expect("second call reuses the token");

    assert_eq!(gateway.logins.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.refreshes.load(Ordering::SeqCst), 0);
    assert_eq!(gateway.api_calls.load(Ordering::SeqCst), 2);
    assert_eq!(gateway.api_unauthorized.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn prefix_is_configurable() {
    let gateway = Gateway::new(3600);
    let base_url = serve(gateway.clone(), "/SMRTLink/2.0.0").await;
    let mut config = ClientConfig::gateway(&base_url, Credentials::new("alice", "s3cret-pw"));
    if let slflow::smrtlink::AuthConfig::Gateway(settings) = &mut config.auth {
        settings.api_prefix = "SMRTLink/2.0.0".to_string();
    }
    let client = Client::new(config).expect("client builds");

    client.status().await.expect("prefixed path reached");

    assert_eq!(gateway.api_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn token_expiring_between_calls_is_refreshed() {
    // A 2 s token is refreshed after half its life.
    let gateway = Gateway::new(2);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );

    client.status().await.expect("first call");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.status().await.expect("call after the refresh point");

    assert_eq!(gateway.logins.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(
        gateway.api_unauthorized.load(Ordering::SeqCst),
        0,
        "no request used an expired token"
    );
}

#[tokio::test]
async fn failed_refresh_falls_back_to_login() {
    let gateway = Gateway::new(2);
    gateway.refresh_works.store(false, Ordering::SeqCst);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );

    client.status().await.expect("first call");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client
        .status()
        .await
        .expect("password login replaces the failed refresh");

    assert_eq!(gateway.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wrong_password_is_clear_error() {
    let gateway = Gateway::new(3600);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "wrong-password",
    );

    let error = client.status().await.expect_err("login rejected");

    assert!(error.is_auth());
    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Auth(AuthFailure::LoginRejected { .. })
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("login rejected for user `alice`"), "{text}");
    assert!(text.contains("Invalid user credentials"), "{text}");
    assert!(!text.contains("wrong-password"), "{text}");
    assert_eq!(
        gateway.logins.load(Ordering::SeqCst),
        1,
        "a rejected login is not retried"
    );
    assert_eq!(gateway.api_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn unauthorized_triggers_one_relogin() {
    let gateway = Gateway::new(3600);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );
    client.status().await.expect("first call");

    // The server drops all its tokens, as after a restart.
    gateway.revoke_all();
    client.status().await.expect("401, fresh login, success");

    assert_eq!(gateway.logins.load(Ordering::SeqCst), 2);
    assert_eq!(gateway.api_unauthorized.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.api_calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn unauthorized_after_relogin_is_reported() {
    let gateway = Gateway::new(3600);
    gateway.always_unauthorized.store(true, Ordering::SeqCst);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );

    let error = client.status().await.expect_err("always 401");

    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Auth(AuthFailure::UnauthorizedAfterRelogin { .. })
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("401 Unauthorized even after a fresh login as `alice`"),
        "{error}"
    );
    assert_eq!(
        gateway.logins.load(Ordering::SeqCst),
        2,
        "bounded: one login, one re-login"
    );
    assert_eq!(gateway.api_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn refresh_and_relogin_failing_names_both() {
    let gateway = Gateway::new(2);
    gateway.refresh_works.store(false, Ordering::SeqCst);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );
    client.status().await.expect("first call");

    *gateway.password.lock().expect("lock") = "rotated".to_string();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let error = client
        .status()
        .await
        .expect_err("refresh and login both fail");

    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Auth(AuthFailure::RefreshAndReloginFailed { .. })
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("token refresh failed"), "{text}");
    assert!(text.contains("Token is not active"), "{text}");
    assert!(text.contains("login rejected for user `alice`"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_login_and_refresh() {
    let gateway = Gateway::new(2);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );

    let calls: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn({
                let client = client.clone();
                async move { client.status().await }
            })
        })
        .collect();
    for call in calls {
        call.await.expect("task runs").expect("call succeeds");
    }
    assert_eq!(gateway.logins.load(Ordering::SeqCst), 1);

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let calls: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn({
                let client = client.clone();
                async move { client.status().await }
            })
        })
        .collect();
    for call in calls {
        call.await.expect("task runs").expect("call succeeds");
    }
    assert_eq!(gateway.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.logins.load(Ordering::SeqCst), 1);
    assert_eq!(gateway.api_unauthorized.load(Ordering::SeqCst), 0);
}

/// Collects everything tracing writes, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_trace_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let gateway = Gateway::new(2);
    let client = client(
        &serve(gateway.clone(), "/SMRTLink/1.0.0").await,
        "s3cret-pw",
    );
    client.status().await.expect("login");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.status().await.expect("refresh");
    gateway.revoke_all();
    client.status().await.expect("re-login");
    let debug = format!("{client:?}");

    let logs = String::from_utf8_lossy(&captured.0.lock().expect("lock")).to_string();
    assert!(
        logs.contains("SMRT Link request"),
        "debug request lines are captured: {logs}"
    );
    for secret in ["s3cret-pw", "access-token-", "refresh-token-", "S01MejVn"] {
        assert!(
            !logs.contains(secret),
            "`{secret}` leaked into logs:\n{logs}"
        );
        assert!(
            !debug.contains(secret),
            "`{secret}` leaked into Debug: {debug}"
        );
    }
}
