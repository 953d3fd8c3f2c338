//! Gateway mode (tokens, bearer auth, prefixes) and TLS, against the simulator on 127.0.0.1:0.

mod sim_support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;
use slflow::sim::{CLIENT_ID, CLIENT_SECRET, SimConfig};

fn gateway_config() -> SimConfig {
    SimConfig {
        gateway: true,
        users: vec![
            ("admin".into(), "admin".into()),
            ("lims".into(), "s3cret".into()),
        ],
        ..test_config()
    }
}

async fn login(sim: &Sim, user: &str, password: &str) -> (StatusCode, Value) {
    let resp = sim
        .client
        .post(format!("{}/token", sim.handle.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            (
                "scope",
                "welcome run-design run-qc openid analysis sample-setup data-management userinfo",
            ),
        ])
        .send()
        .await
        .expect("token request");
    let status = resp.status();
    (status, resp.json().await.expect("token response is JSON"))
}

async fn refresh(sim: &Sim, path: &str, token: &str) -> (StatusCode, Value) {
    let resp = sim
        .client
        .post(format!("{}{path}", sim.handle.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .expect("refresh request");
    let status = resp.status();
    (status, resp.json().await.expect("refresh response is JSON"))
}

async fn api(
    sim: &Sim,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = sim.client.request(method, sim.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("API request");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        },
    )
}

#[tokio::test]
async fn token_flow_and_bearer_auth() {
    let sim = Sim::with(gateway_config()).await;
    assert!(sim.url("/status").ends_with("/SMRTLink/1.0.0/status"));

    let (status, body) = sim.get("/status").await;
    let msg = error_message(status, &body, 401);
    assert!(msg.contains("Authorization"), "{msg}");

    let (status, token) = login(&sim, "admin", "admin").await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(
        token["scope"],
        "analysis data-management openid run-design run-qc userinfo"
    );
    for k in ["access_token", "refresh_token", "id_token"] {
        assert!(
            token[k].as_str().is_some_and(|t| t.len() > 20),
            "{k}: {token}"
        );
    }
    let access = token["access_token"].as_str().unwrap();
    let (status, body) = api(&sim, access, reqwest::Method::GET, "/status", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "smrtlink_analysis");

    let resp = sim
        .client
        .get(format!("{}/SMRTLink/2.0.0/status", sim.handle.base_url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["apiVersion"], "2.0.0");

    let (status, body) = api(
        &sim,
        "not-a-token",
        reqwest::Method::GET,
        "/smrt-link/projects",
        None,
    )
    .await;
    assert!(error_message(status, &body, 401).contains("Invalid access token"));
    let (status, body) = api(
        &sim,
        access,
        reqwest::Method::GET,
        "/secondary-analysis/datasets/subreads",
        None,
    )
    .await;
    error_message(status, &body, 404);
    let resp = sim
        .client
        .get(format!("{}/status", sim.handle.base_url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "the gateway serves the API only under its prefix"
    );

    // The user behind the token becomes createdBy.
    let (status, job) = api(
        &sim,
        access,
        reqwest::Method::POST,
        "/smrt-link/job-manager/jobs/import-dataset",
        Some(json!({"path": fixture(TINY_SUBREADS)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["createdBy"], "admin");
    for _ in 0..500 {
        let (_, j) = api(
            &sim,
            access,
            reqwest::Method::GET,
            &format!("/smrt-link/job-manager/jobs/{}", job["id"]),
            None,
        )
        .await;
        if j["state"] == "SUCCESSFUL" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (_, ds) = api(
        &sim,
        access,
        reqwest::Method::GET,
        &format!("/smrt-link/datasets/{TINY_UUID}"),
        None,
    )
    .await;
    assert_eq!(ds["createdBy"], "admin");
    let (_, lims_token) = login(&sim, "lims", "s3cret").await;
    let (status, project) = api(
        &sim,
        lims_token["access_token"].as_str().unwrap(),
        reqwest::Method::POST,
        "/smrt-link/projects",
        Some(json!({"name": "LIMS", "description": "d"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    assert_eq!(project["createdBy"], "lims");
    assert_eq!(
        project["members"],
        json!([{"login": "lims", "role": "OWNER"}])
    );
}

#[tokio::test]
async fn bad_credentials_are_rejected() {
    let sim = Sim::with(gateway_config()).await;
    let (status, body) = login(&sim, "admin", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_grant");
    let (status, _) = login(&sim, "nobody", "admin").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = sim
        .client
        .post(format!("{}/token", sim.handle.base_url()))
        .basic_auth("someone", Some("else"))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let resp = sim
        .client
        .post(format!("{}/token", sim.handle.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn expiry_refresh_and_revoke() {
    let sim = Sim::with(SimConfig {
        token_ttl: Duration::from_secs(1),
        ..gateway_config()
    })
    .await;
    let (_, token) = login(&sim, "admin", "admin").await;
    assert_eq!(token["expires_in"], 1);
    let access = token["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        api(&sim, &access, reqwest::Method::GET, "/status", None)
            .await
            .0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = api(&sim, &access, reqwest::Method::GET, "/status", None).await;
    assert!(error_message(status, &body, 401).contains("Expired"));

    // The refresh token outlives the access token; the legacy prefixed path works too.
    let (status, renewed) = refresh(
        &sim,
        "/SMRTLink/2.0.0/token",
        token["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let access2 = renewed["access_token"].as_str().unwrap().to_string();
    assert_ne!(access2, access);
    assert_eq!(
        api(&sim, &access2, reqwest::Method::GET, "/status", None)
            .await
            .0,
        StatusCode::OK
    );
    // A refresh token works once.
    let (status, body) = refresh(&sim, "/token", token["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let resp = sim
        .client
        .post(format!("{}/revoke", sim.handle.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("token", access2.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = api(&sim, &access2, reqwest::Method::GET, "/status", None).await;
    error_message(status, &body, 401);
}

#[tokio::test]
async fn token_test_hooks() {
    let sim = Sim::with(gateway_config()).await;
    let (_, token) = login(&sim, "admin", "admin").await;
    let access = token["access_token"].as_str().unwrap();
    assert_eq!(sim.handle.simulator().valid_access_tokens(), 1);
    sim.handle.simulator().expire_access_tokens();
    assert_eq!(sim.handle.simulator().valid_access_tokens(), 0);
    assert_eq!(
        api(&sim, access, reqwest::Method::GET, "/status", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, renewed) = refresh(&sim, "/token", token["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    sim.handle.simulator().revoke_all_tokens();
    let (status, _) = api(
        &sim,
        renewed["access_token"].as_str().unwrap(),
        reqwest::Method::GET,
        "/status",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tls_with_generated_ca() {
    let sim = Sim::with(SimConfig {
        tls: true,
        ..gateway_config()
    })
    .await;
    assert!(sim.handle.base_url().starts_with("https://127.0.0.1:"));
    let ca_path = sim
        .handle
        .ca_cert_path()
        .expect("TLS writes a CA")
        .to_path_buf();
    let pem = std::fs::read(&ca_path).unwrap();
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));

    // Without the CA the certificate is not trusted.
    let err = sim
        .client
        .get(format!("{}/SMRTLink/1.0.0/status", sim.handle.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err}");

    let client = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let resp = client
        .post(format!("{}/token", sim.handle.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .expect("TLS verified with the generated CA");
    assert_eq!(resp.status(), StatusCode::OK);
    let access = resp.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let status = client
        .get(format!("{}/SMRTLink/1.0.0/status", sim.handle.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["id"], "smrtlink_analysis");
    // localhost is in the certificate too.
    let local = format!(
        "https://localhost:{}/SMRTLink/1.0.0/status",
        sim.handle.addr().port()
    );
    assert_eq!(
        client
            .get(local)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
