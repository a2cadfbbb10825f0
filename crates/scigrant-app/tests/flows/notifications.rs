//! Notifications that arrive (issue 13 #9): the outbox is a queue the
//! delivery worker drains; e-mail goes to a real SMTP server (Python's
//! aiosmtpd on loopback), SMS to the outbox staff read or to an HTTP
//! gateway; failures are retried with backoff and finally marked failed.
//! Each test runs on SQLite and on PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scigrant_app::config::SmtpTls;
use scigrant_app::identity::auth::{LoginTab, authenticate};
use scigrant_app::identity::recovery::{FindLogin, ResetForm, find_login, send_reset_code};
use scigrant_app::notify::centre::{mark_read, my_messages};
use scigrant_app::notify::delivery::{Delivered, MAX_ATTEMPTS, deliver_due, retry_delay_ms};
use scigrant_app::notify::{Channel, Status, recent};
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, TestEnv, test_env_with, visitor};

use super::{new_captcha, new_person, try_login};

/// A real SMTP server on loopback: `python3 -m aiosmtpd -n -l`, which
/// prints every message it receives.
struct SmtpServer {
    child: Child,
    port: u16,
    out: Arc<Mutex<String>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    fn start(port: u16) -> SmtpServer {
        let mut child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .env("PYTHONUNBUFFERED", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 is required for the SMTP test");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = out.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                child.stderr.take().unwrap().read_to_string(&mut err).ok();
                panic!(
                    "aiosmtpd exited ({status}): {err}\nInstall it with: pip install aiosmtpd==1.4.6"
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, out }
    }

    /// The first message received, as raw text, waiting up to 10 s.
    fn message(&self) -> String {
        let start = Instant::now();
        loop {
            let out = self.out.lock().unwrap().clone();
            if let Some(end) = out.find("------------ END MESSAGE ------------") {
                let begin = out.find("---------- MESSAGE FOLLOWS ----------").unwrap();
                return out[begin..end]
                    .lines()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no message arrived: {out}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Subject, recipient and text of a raw message, decoded by Python's
/// e-mail parser (the encoded words and transfer encoding undone).
fn decode(raw: &str) -> (String, String, String) {
    let script = "import sys, email\n\
from email.header import decode_header, make_header\n\
m = email.message_from_string(sys.stdin.read())\n\
print(str(make_header(decode_header(m['Subject']))))\n\
print(m['To'])\n\
print(m.get_payload(decode=True).decode('utf-8'))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let subject = lines.next().unwrap_or_default().to_string();
    let to = lines.next().unwrap_or_default().to_string();
    let body = lines.collect::<Vec<_>>().join("\n");
    (subject, to, body.trim().to_string())
}

/// Queues an e-mail with a reset code to person 1 (p1@example.cn).
async fn queue_mail(env: &TestEnv) {
    new_person(env, 1).await;
    let t = find_login(
        &env.app,
        &visitor(),
        LoginTab::Person,
        &FindLogin {
            login: "13900050001".into(),
            captcha_id: new_captcha(env).await,
            captcha: "TEST".into(),
        },
    )
    .await
    .unwrap();
    let f = ResetForm {
        login: t.login,
        ticket: t.ticket,
        method: "email".into(),
        reserved: "p1@example.cn".into(),
        reserved_confirm: "p1@example.cn".into(),
        ..ResetForm::default()
    };
    send_reset_code(&env.app, &visitor(), LoginTab::Person, &f)
        .await
        .unwrap();
}

async fn smtp_env(backend: Backend, port: u16) -> TestEnv {
    test_env_with(backend, |c| {
        c.smtp_host = "127.0.0.1".into();
        c.smtp_port = port;
        c.smtp_tls = SmtpTls::None;
        c.mail_from = "科技创新服务系统 <noreply@kjt.example.cn>".into();
    })
    .await
}

async fn e_mail_reaches_a_real_smtp_server(backend: Backend) {
    let server = SmtpServer::start(free_port());
    let env = smtp_env(backend, server.port).await;
    queue_mail(&env).await;
    let before = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(before.status, Status::Queued);
    assert_eq!(
        deliver_due(&env.app).await.unwrap(),
        Delivered {
            sent: 1,
            ..Delivered::default()
        }
    );
    let (subject, to, body) = decode(&server.message());
    assert_eq!(subject, "【科技创新服务系统】重置密码验证码");
    assert_eq!(to, "p1@example.cn");
    assert!(body.starts_with("您正在重置登录密码，验证码："), "{body}");
    let after = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(after.status, Status::Sent);
    assert_eq!(after.attempts, 1);
    assert!(after.sent_at.is_some());
    // Nothing is due any more.
    assert_eq!(deliver_due(&env.app).await.unwrap(), Delivered::default());
}

async fn a_failed_mail_is_retried_then_given_up(backend: Backend) {
    // Nobody listens on the port yet.
    let port = free_port();
    let env = smtp_env(backend, port).await;
    queue_mail(&env).await;
    let retried = Delivered {
        retried: 1,
        ..Delivered::default()
    };
    assert_eq!(deliver_due(&env.app).await.unwrap(), retried);
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(m.status, Status::Queued);
    assert_eq!(m.attempts, 1);
    assert!(
        m.error.as_deref().unwrap().starts_with("邮件服务器错误"),
        "{:?}",
        m.error
    );
    // Not due before its backoff; sent once the server is up.
    env.clock.advance_ms(29_000);
    assert_eq!(deliver_due(&env.app).await.unwrap(), Delivered::default());
    env.clock.advance_ms(1_000);
    let server = SmtpServer::start(port);
    assert_eq!(deliver_due(&env.app).await.unwrap().sent, 1);
    assert_eq!(decode(&server.message()).1, "p1@example.cn");
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!((m.status, m.attempts, m.error), (Status::Sent, 2, None));
    drop(server);

    // With the server gone for good, the fifth failure gives up.
    env.clock.advance_ms(61_000);
    queue_mail_again(&env).await;
    for attempt in 1..=MAX_ATTEMPTS {
        let done = deliver_due(&env.app).await.unwrap();
        if attempt < MAX_ATTEMPTS {
            assert_eq!(done, retried, "attempt {attempt}");
            env.clock.advance_ms(retry_delay_ms(attempt).unwrap());
        } else {
            assert_eq!(done.failed, 1);
        }
    }
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!((m.status, m.attempts), (Status::Failed, MAX_ATTEMPTS));
    env.clock.advance_ms(3_600_000);
    assert_eq!(deliver_due(&env.app).await.unwrap(), Delivered::default());
}

/// A second code to person 1 (a minute after the first).
async fn queue_mail_again(env: &TestEnv) {
    let t = find_login(
        &env.app,
        &visitor(),
        LoginTab::Person,
        &FindLogin {
            login: "13900050001".into(),
            captcha_id: new_captcha(env).await,
            captcha: "TEST".into(),
        },
    )
    .await
    .unwrap();
    let f = ResetForm {
        login: t.login,
        ticket: t.ticket,
        method: "email".into(),
        reserved: "p1@example.cn".into(),
        reserved_confirm: "p1@example.cn".into(),
        ..ResetForm::default()
    };
    send_reset_code(&env.app, &visitor(), LoginTab::Person, &f)
        .await
        .unwrap();
}

by_backend!(e_mail_reaches_a_real_smtp_server);
by_backend!(a_failed_mail_is_retried_then_given_up);

async fn sms_stay_in_the_outbox_and_e_mail_waits_for_a_server(env: TestEnv) {
    // Account events: the unit's 初审 and 复审, then its decision on the
    // person's membership; each lands in a 消息中心 and goes by SMS.
    ApprovedMember::builder(1).build(&env.app).await;
    let queued = recent(&env.app, 50).await.unwrap();
    assert!(
        queued
            .iter()
            .all(|m| m.channel == Channel::Sms && m.status == Status::Queued)
    );
    let s = try_login(&env, LoginTab::Person, "13900050001", PASSWORD)
        .await
        .unwrap();
    let session = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert_eq!(session.unread_messages, 1);
    let page = my_messages(&env.app, &session, 1).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(
        page.rows[0].body.starts_with("您加入“"),
        "{}",
        page.rows[0].body
    );
    assert!(!page.rows[0].read);
    // The default SMS provider is the outbox: queued SMS count as sent.
    assert_eq!(
        deliver_due(&env.app).await.unwrap(),
        Delivered {
            sent: queued.len(),
            ..Delivered::default()
        }
    );
    let sent = recent(&env.app, 50).await.unwrap();
    assert!(
        sent.iter()
            .all(|m| m.status == Status::Sent && m.sent_at.is_some())
    );
    // With no SMTP server configured e-mail waits, its attempts unspent.
    queue_mail_again(&env).await;
    assert_eq!(deliver_due(&env.app).await.unwrap(), Delivered::default());
    let mail = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(
        (mail.channel, mail.status, mail.attempts),
        (Channel::Email, Status::Queued, 0)
    );
    // 标为已读.
    mark_read(
        &env.app,
        &session.actor("127.0.0.1", "t"),
        &session,
        Some(page.rows[0].id),
    )
    .await
    .unwrap();
    let session = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert_eq!(session.unread_messages, 0);
    assert!(my_messages(&env.app, &session, 1).await.unwrap().rows[0].read);
}
both!(sms_stay_in_the_outbox_and_e_mail_waits_for_a_server);

/// A fake SMS gateway on loopback answering `status` to every POST; the
/// bodies it received.
async fn gateway(status: u16) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
                if let Some(at) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= at + 4 + len {
                        sink.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&buf[at + 4..]).to_string());
                        break;
                    }
                }
            }
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    (url, got)
}

async fn sms_go_through_an_http_gateway(backend: Backend) {
    let (url, got) = gateway(200).await;
    let env = test_env_with(backend, |c| c.sms_http_url = url).await;
    ApprovedMember::builder(2).build(&env.app).await;
    let queued = recent(&env.app, 50).await.unwrap().len();
    assert_eq!(deliver_due(&env.app).await.unwrap().sent, queued);
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), queued);
    let told: Vec<serde_json::Value> = bodies
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert!(told.iter().any(|j| {
        j["phone"] == "13900050002"
            && j["text"]
                .as_str()
                .unwrap()
                .starts_with("【科技创新服务系统】您加入“")
    }));

    let (url, _) = gateway(503).await;
    let env = test_env_with(backend, |c| c.sms_http_url = url).await;
    ApprovedMember::builder(3).build(&env.app).await;
    let queued = recent(&env.app, 50).await.unwrap().len();
    assert_eq!(deliver_due(&env.app).await.unwrap().retried, queued);
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(m.error.as_deref(), Some("短信网关拒绝：HTTP 503"));
}
by_backend!(sms_go_through_an_http_gateway);
