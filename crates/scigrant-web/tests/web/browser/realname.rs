//! 实名认证 in Chromium: a person opens 我的信息, saves 修改个人信息 and
//! sees “国家平台实名认证通过”, checked by a verification provider on
//! loopback that passes every request.

use scigrant_app::testing::{Backend, PASSWORD, id_number};

use super::start_with;

/// A provider on loopback answering `{"result":"pass"}` to every POST.
async fn passing_provider() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/verify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = s.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                let Some(at) = text.find("\r\n\r\n") else {
                    continue;
                };
                let len: usize = text[..at]
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= at + 4 + len {
                    break;
                }
            }
            let body = r#"{"result":"pass"}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_person_saves_personal_information_and_is_verified() {
    let url = passing_provider().await;
    let s = start_with(Backend::Sqlite, |c| {
        c.realname_url = url;
        c.realname_timeout_ms = 3000;
    })
    .await;
    let mobile = super::registered_person(&s.env, 21).await;

    s.login("person", &mobile, PASSWORD).await;
    s.wait_path("/person").await;
    s.click_to("#my-info", "/person/info").await;
    assert_eq!(s.text("#user #realname-status").await, "未认证");
    assert!(s.text(".tabs").await.contains("法人(单位)授权办理情况"));
    assert_eq!(s.text("#auth .empty").await, "暂无授权");
    s.click_to("#edit-info", "/person/info/edit").await;
    s.fill("nation", "藏族").await;
    s.fill("post", "工程师").await;
    s.fill("tel", "0891-6812345").await;
    s.fill("doc_valid_until", "长期").await;
    s.fill("address", "拉萨市城关区北京中路1号").await;
    s.click("#save-info").await;
    s.wait_path("/person/info").await;
    s.wait_text("#user #realname-status", "国家平台实名认证通过")
        .await;
    let info = s.text("#person-info").await;
    for v in [
        "次仁",
        "藏族",
        "工程师",
        "0891-6812345",
        "长期",
        "拉萨市城关区北京中路1号",
        "139****0921",
    ] {
        assert!(info.contains(v), "{v} missing from {info}");
    }
    // The ID number stays masked on display.
    assert!(!info.contains(&id_number(21)), "{info}");
    s.done().await;
}
