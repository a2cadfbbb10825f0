//! Webhooks (issue 11, item 3): each state change of an application is
//! POSTed as JSON to the deployment's `webhook_url`, signed with HMAC-SM3
//! under `webhook_secret` over `<timestamp>.<body>`, queued in the same
//! transaction as the change and retried from the outbox when the
//! receiver fails. The receiver is a real HTTP server on loopback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scigrant_app::config::Secret;
use scigrant_app::notify::delivery::{deliver_due, webhook_signature};
use scigrant_app::notify::{Channel, Status, recent};
use scigrant_app::testing::{Backend, accepted_application, funding_call, test_env_with};

const SECRET: &str = "integration-secret-2023";

/// One request as the receiver read it: lower-cased headers and the body.
#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

/// A receiver on loopback answering the statuses of `replies` in turn
/// (then 200); the requests it read.
async fn receiver(replies: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/scigrant", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut replies = replies.into_iter();
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let received = loop {
                let n = s.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                let Some(at) = text.find("\r\n\r\n") else {
                    continue;
                };
                let headers: HashMap<String, String> = text[..at]
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let len: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if buf.len() >= at + 4 + len {
                    let body = String::from_utf8_lossy(&buf[at + 4..at + 4 + len]).to_string();
                    break Some(Received { headers, body });
                }
            };
            if let Some(r) = received {
                sink.lock().unwrap().push(r);
            }
            let status = replies.next().unwrap_or(200);
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    (url, got)
}

async fn application_changes_reach_the_webhook_signed_and_retried(backend: Backend) {
    let (url, got) = receiver(vec![500]).await;
    let env = test_env_with(backend, |c| {
        c.webhook_url = url.clone();
        c.webhook_secret = Some(Secret::new(SECRET));
    })
    .await;
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    let (_, id) = accepted_application(&env.app, call, 1, "面向西藏高原的科技服务").await;

    // Created, submitted, recommended, accepted: queued with the changes.
    let hooks = |all: Vec<scigrant_app::notify::OutboxView>| -> Vec<_> {
        all.into_iter()
            .filter(|m| m.channel == Channel::Webhook)
            .collect()
    };
    let queued = hooks(recent(&env.app, 100).await.unwrap());
    let mut events: Vec<&str> = queued.iter().map(|m| m.subject.as_str()).collect();
    events.reverse();
    assert_eq!(
        events,
        [
            "application.created",
            "application.submitted",
            "application.recommended",
            "application.accepted"
        ]
    );
    let host = url.trim_start_matches("http://").split('/').next().unwrap();
    assert!(queued.iter().all(|m| m.recipient_masked == host));

    // The receiver fails the first call: it is retried after 30 s.
    let first = deliver_due(&env.app).await.unwrap();
    assert_eq!(first.retried, 1);
    let waiting = hooks(recent(&env.app, 100).await.unwrap());
    assert_eq!(
        waiting
            .iter()
            .filter(|m| m.status == Status::Queued)
            .map(|m| m.error.as_deref())
            .collect::<Vec<_>>(),
        [Some("回调地址拒绝：HTTP 500")]
    );
    env.clock.advance_ms(30_000);
    let second = deliver_due(&env.app).await.unwrap();
    assert_eq!(second.sent, 1);
    assert!(
        hooks(recent(&env.app, 100).await.unwrap())
            .iter()
            .all(|m| m.status == Status::Sent)
    );

    let calls = got.lock().unwrap().clone();
    assert_eq!(calls.len(), 5, "four events, one of them twice");
    for r in &calls {
        let ts: i64 = r.headers["x-scigrant-timestamp"].parse().unwrap();
        assert_eq!(
            r.headers["x-scigrant-signature"],
            webhook_signature(SECRET, ts, &r.body),
            "signed over the timestamp and the body"
        );
        assert_ne!(
            r.headers["x-scigrant-signature"],
            webhook_signature("another-secret-of-16", ts, &r.body)
        );
        assert_eq!(r.headers["content-type"], "application/json");
        let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(j["event"], r.headers["x-scigrant-event"].as_str());
        assert_eq!(j["application"]["id"], id.0);
        assert_eq!(j["application"]["call_id"], call.0);
    }
    // The retried call kept its delivery id, so a receiver can drop a
    // repeat; the others each have their own.
    let mut ids: Vec<&str> = calls
        .iter()
        .map(|r| r.headers["x-scigrant-delivery"].as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    let submitted: serde_json::Value = calls
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap())
        .find(|j| j["event"] == "application.submitted")
        .unwrap();
    assert_eq!(submitted["application"]["state"], "submitted");
    assert!(
        submitted["comment"]
            .as_str()
            .unwrap()
            .starts_with("SM3摘要 ")
    );
    assert!(
        submitted["application"]["number"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );

    // Without a webhook configured, nothing is queued for one.
    let env = test_env_with(backend, |_| {}).await;
    let call = funding_call(&env.app, "KJFWT2023-02", "10", "55").await;
    accepted_application(&env.app, call, 2, "无回调").await;
    assert!(hooks(recent(&env.app, 100).await.unwrap()).is_empty());
}

by_backend!(application_changes_reach_the_webhook_signed_and_retried);
