//! Retry, duplicate-avoidance and error-reporting behaviour of the client against small stub
//! servers on 127.0.0.1 whose faults are exactly controlled.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use slflow::smrtlink::models::ImportDatasetOptions;
use slflow::smrtlink::{ApiErrorKind, Client, ClientConfig, JobTag, RetryPolicy, TransportKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `router` on 127.0.0.1 and returns its base URL.
async fn serve(router: Router) -> String {
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

fn fast_client(base_url: &str, max_attempts: u32) -> Client {
    let mut config = ClientConfig::local(base_url);
    config.retry = RetryPolicy {
        max_attempts,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(2),
    };
    config.timeout = Duration::from_millis(500);
    Client::new(config).expect("client builds")
}

fn status_body() -> serde_json::Value {
    json!({"id": "smrtlink_analysis", "uuid": "5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab",
           "version": "12.0.0", "uptime": 5, "message": "Services have been up for 5 ms", "user": "x"})
}

fn job_body(id: i64, tags: &str) -> serde_json::Value {
    json!({"id": id, "uuid": format!("127619b4-2d2b-4b4c-8b1c-{id:012}"), "name": "import-dataset",
           "createdAt": "2024-01-01T00:00:00Z", "state": "SUBMITTED", "jobTypeId": "import-dataset",
           "path": format!("/jobs/{id}"), "jsonSettings": "{}", "workflow": "{}", "tags": tags})
}

fn error_body(code: u16, message: &str) -> serde_json::Value {
    json!({"httpCode": code, "message": message, "errorType": "Error"})
}

#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    posts: AtomicUsize,
    searches: AtomicUsize,
}

#[tokio::test]
async fn get_retried_after_two_503s() {
    let counters = Arc::new(Counters::default());
    let router = Router::new()
        .route(
            "/status",
            get(|State(counters): State<Arc<Counters>>| async move {
                let seen = counters.requests.fetch_add(1, Ordering::SeqCst);
                if seen < 2 {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        Json(error_body(503, "busy")),
                    )
                        .into_response()
                } else {
                    Json(status_body()).into_response()
                }
            }),
        )
        .with_state(counters.clone());
    let client = fast_client(&serve(router).await, 5);

    let status = client.status().await.expect("third attempt succeeds");

    assert_eq!(status.version, "12.0.0");
    assert_eq!(counters.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn get_gives_up_after_max_attempts() {
    let counters = Arc::new(Counters::default());
    let router = Router::new()
        .route(
            "/status",
            get(|State(counters): State<Arc<Counters>>| async move {
                counters.requests.fetch_add(1, Ordering::SeqCst);
                (StatusCode::BAD_GATEWAY, "upstream down")
            }),
        )
        .with_state(counters.clone());
    let client = fast_client(&serve(router).await, 3);

    let error = client.status().await.expect_err("always 502");

    assert_eq!(counters.requests.load(Ordering::SeqCst), 3);
    assert_eq!(error.attempts(), 3);
    assert!(error.is_transient());
    assert_eq!(
        error.to_string(),
        "GET /status: 502 Bad Gateway: upstream down (after 3 attempts)"
    );
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let counters = Arc::new(Counters::default());
    let router = Router::new()
        .route(
            "/smrt-link/job-manager/jobs/analysis/42",
            get(|State(counters): State<Arc<Counters>>| async move {
                counters.requests.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::NOT_FOUND,
                    Json(error_body(404, "Unable to find job 42")),
                )
            }),
        )
        .with_state(counters.clone());
    let client = fast_client(&serve(router).await, 5);

    let error = client.job("analysis", 42).await.expect_err("404");

    assert_eq!(counters.requests.load(Ordering::SeqCst), 1);
    assert!(error.is_not_found());
    assert!(!error.is_transient());
    assert_eq!(error.server_message(), Some("Unable to find job 42"));
    assert_eq!(
        error.to_string(),
        "GET /smrt-link/job-manager/jobs/analysis/42: 404 Not Found: Unable to find job 42"
    );
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let counters = Arc::new(Counters::default());
    let router = Router::new()
        .route(
            "/status",
            get(|State(counters): State<Arc<Counters>>| async move {
                if counters.requests.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "slow down",
                    )
                        .into_response()
                } else {
                    Json(status_body()).into_response()
                }
            }),
        )
        .with_state(counters.clone());
    let client = fast_client(&serve(router).await, 3);

    let started = Instant::now();
    client.status().await.expect("second attempt succeeds");

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(counters.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn timeout_is_classified_and_retried() {
    let counters = Arc::new(Counters::default());
    let router = Router::new()
        .route(
            "/status",
            get(|State(counters): State<Arc<Counters>>| async move {
                counters.requests.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(3)).await;
                Json(status_body())
            }),
        )
        .with_state(counters.clone());
    let client = fast_client(&serve(router).await, 2);

    let error = client.status().await.expect_err("server too slow");

    assert!(matches!(
        error.kind(),
        ApiErrorKind::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    ));
    assert!(error.is_transient());
    assert_eq!(counters.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connection_refused_is_connect_error() {
    // Bind and drop a listener to get a loopback port that nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    drop(listener);
    let client = fast_client(&format!("http://{address}"), 2);

    let error = client.status().await.expect_err("nothing listens");

    assert!(matches!(
        error.kind(),
        ApiErrorKind::Transport {
            kind: TransportKind::Connect,
            ..
        }
    ));
    assert!(error.is_transport());
    assert_eq!(error.attempts(), 2);
    assert_eq!(
        error.to_string(),
        "GET /status: connection failed (after 2 attempts)"
    );
    assert!(
        std::error::Error::source(&error).is_some(),
        "transport cause is chained"
    );
}

/// Serves raw HTTP: the first `drops` connections are closed after reading the request, later
/// ones get `body` as a 200 JSON response.
async fn serve_dropping(drops: usize, body: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let index = seen.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                if index < drops {
                    // Closing with unread data pending makes the kernel send a reset.
                    drop(socket);
                    return;
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), connections)
}

#[tokio::test]
async fn dropped_connection_retried_for_get() {
    let (base_url, connections) = serve_dropping(2, status_body().to_string()).await;
    let client = fast_client(&base_url, 4);

    let status = client.status().await.expect("third connection answers");

    assert_eq!(status.id, "smrtlink_analysis");
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn dropped_connection_not_resent_for_untagged_job_post() {
    let (base_url, connections) = serve_dropping(1, job_body(1, "").to_string()).await;
    let client = fast_client(&base_url, 4);

    let error = client
        .import_dataset(&ImportDatasetOptions::new("/data/x.subreadset.xml"), None)
        .await
        .expect_err("ambiguous failure without a tag is reported");

    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Transport {
                kind: TransportKind::Reset,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

/// A job endpoint that stores POSTed jobs. The first `fail_after_create` POSTs create the job
/// and then answer 500; the next `fail_before_create` POSTs answer 503 without creating it.
#[derive(Default)]
struct JobStub {
    counters: Counters,
    jobs: std::sync::Mutex<Vec<serde_json::Value>>,
    fail_after_create: usize,
    fail_before_create: usize,
}

async fn create_job(
    State(stub): State<Arc<JobStub>>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let index = stub.counters.posts.fetch_add(1, Ordering::SeqCst);
    if index >= stub.fail_after_create && index < stub.fail_after_create + stub.fail_before_create {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(error_body(503, "try later")),
        )
            .into_response();
    }
    let tags = body
        .get("tags")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string();
    let job = {
        let mut jobs = stub.jobs.lock().expect("lock");
        let job = job_body(jobs.len() as i64 + 1, &tags);
        jobs.push(job.clone());
        job
    };
    if index < stub.fail_after_create {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(error_body(500, "lost response")),
        )
            .into_response();
    }
    (StatusCode::CREATED, Json(job)).into_response()
}

async fn list_jobs(
    State(stub): State<Arc<JobStub>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Json<Vec<serde_json::Value>> {
    stub.counters.searches.fetch_add(1, Ordering::SeqCst);
    let jobs = stub.jobs.lock().expect("lock").clone();
    let wanted = query
        .get("tags")
        .and_then(|value| value.strip_prefix("like:"))
        .map(str::to_string);
    let matching = jobs
        .into_iter()
        .filter(|job| match &wanted {
            Some(tag) => job["tags"]
                .as_str()
                .is_some_and(|tags| tags.contains(tag.as_str())),
            None => true,
        })
        .collect();
    Json(matching)
}

async fn serve_job_stub(
    fail_after_create: usize,
    fail_before_create: usize,
) -> (String, Arc<JobStub>) {
    let stub = Arc::new(JobStub {
        fail_after_create,
        fail_before_create,
        ..JobStub::default()
    });
    let router = Router::new()
        .route(
            "/smrt-link/job-manager/jobs/import-dataset",
            post(create_job).get(list_jobs),
        )
        .with_state(stub.clone());
    (serve(router).await, stub)
}

#[tokio::test]
async fn tagged_job_post_finds_job_after_lost_response() {
    let (base_url, stub) = serve_job_stub(1, 0).await;
    let client = fast_client(&base_url, 4);
    let tag = JobTag::new("slflow-test-0001").expect("valid tag");

    let job = client
        .import_dataset(
            &ImportDatasetOptions::new("/data/x.subreadset.xml"),
            Some(&tag),
        )
        .await
        .expect("existing job found by tag");

    assert_eq!(job.id, 1);
    assert!(job.tag_list().any(|each| each == "slflow-test-0001"));
    assert_eq!(
        stub.counters.posts.load(Ordering::SeqCst),
        1,
        "no second POST"
    );
    assert_eq!(
        stub.jobs.lock().expect("lock").len(),
        1,
        "exactly one job exists"
    );
    assert!(stub.counters.searches.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn tagged_job_post_resent_when_not_created() {
    let (base_url, stub) = serve_job_stub(0, 2).await;
    let client = fast_client(&base_url, 5);
    let tag = JobTag::new("slflow-test-0002").expect("valid tag");

    let job = client
        .import_dataset(
            &ImportDatasetOptions::new("/data/x.subreadset.xml"),
            Some(&tag),
        )
        .await
        .expect("third POST creates the job");

    assert_eq!(job.id, 1);
    assert_eq!(stub.counters.posts.load(Ordering::SeqCst), 3);
    assert_eq!(stub.jobs.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn untagged_job_post_not_resent_after_500() {
    let (base_url, stub) = serve_job_stub(1, 0).await;
    let client = fast_client(&base_url, 4);

    let error = client
        .import_dataset(&ImportDatasetOptions::new("/data/x.subreadset.xml"), None)
        .await
        .expect_err("500 without a tag is reported");

    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(stub.counters.posts.load(Ordering::SeqCst), 1);
    assert_eq!(stub.counters.searches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn decode_error_shows_body_start() {
    let router = Router::new().route("/status", get(|| async { "<html>maintenance</html>" }));
    let client = fast_client(&serve(router).await, 3);

    let error = client.status().await.expect_err("not JSON");

    assert!(matches!(error.kind(), ApiErrorKind::Decode { .. }));
    assert_eq!(
        error.to_string(),
        "GET /status: unexpected response body (starts with `<html>maintenance</html>`)"
    );
}

#[tokio::test]
async fn download_streams_and_names_file() {
    let uuid = uuid::Uuid::parse_str("a7d394be-1d2f-4c3b-9a8e-0123456789ab").expect("uuid");
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let expected = payload.clone();
    let router = Router::new()
        .route(
            "/smrt-link/datastore-files/a7d394be-1d2f-4c3b-9a8e-0123456789ab/download",
            get(move || {
                let payload = payload.clone();
                async move {
                    let mut headers = HeaderMap::new();
                    headers.insert(
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"job-7-a7d394be-report.json\"".parse().expect("header"),
                    );
                    (headers, payload)
                }
            }),
        )
        .route(
            "/smrt-link/job-manager/jobs/analysis/7/datastore/a7d394be-1d2f-4c3b-9a8e-0123456789ab/download",
            get(|| async { "no disposition" }),
        );
    let client = fast_client(&serve(router).await, 2);

    let mut written = Vec::new();
    let download = client
        .download_datastore_file(uuid, &mut written)
        .await
        .expect("downloads");
    assert_eq!(download.filename, "job-7-a7d394be-report.json");
    assert_eq!(download.bytes, expected.len() as u64);
    assert_eq!(written, expected);

    let mut written = Vec::new();
    let download = client
        .download_job_file("analysis", 7, uuid, &mut written)
        .await
        .expect("downloads");
    assert_eq!(download.filename, format!("download-job-7-dsf-{uuid}"));
    assert_eq!(written, b"no disposition");
}
