//! One HTTP/1.1 keep-alive connection with cookies, enough for the
//! surge benchmark.

use std::collections::BTreeMap;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One HTTP/1.1 connection with cookies, enough for this benchmark.
pub struct Client {
    pub addr: String,
    pub conn: Option<BufReader<TcpStream>>,
    pub cookies: BTreeMap<String, String>,
    /// The address this applicant stands for (`X-Forwarded-For`, believed
    /// because the servers trust loopback as their proxy): each applicant
    /// has its own per-address budgets (captcha, login), as real ones do.
    pub forwarded_for: String,
}

pub struct Resp {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Client {
    pub async fn send(&mut self, method: &str, path: &str, body: &str) -> Resp {
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.conn = Some(BufReader::new(
                    TcpStream::connect(&self.addr).await.unwrap(),
                ));
            }
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let req = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nX-Forwarded-For: {}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                self.addr,
                self.forwarded_for,
                cookie.join("; "),
                body.len()
            );
            let conn = self.conn.as_mut().unwrap();
            if conn.get_mut().write_all(req.as_bytes()).await.is_err() {
                self.conn = None;
                continue;
            }
            match read_response(conn).await {
                Some((resp, cookies)) => {
                    self.cookies.extend(cookies);
                    return resp;
                }
                None if attempt == 0 => self.conn = None,
                None => break,
            }
        }
        Resp {
            status: 0,
            location: String::new(),
            body: String::new(),
        }
    }
}

async fn read_response(conn: &mut BufReader<TcpStream>) -> Option<(Resp, Vec<(String, String)>)> {
    let mut line = String::new();
    if conn.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let (mut length, mut location, mut cookies) = (0usize, String::new(), Vec::new());
    loop {
        line.clear();
        conn.read_line(&mut line).await.ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        let v = v.trim();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => length = v.parse().ok()?,
            "location" => location = v.to_string(),
            "set-cookie" => {
                let kv = v.split(';').next()?;
                let (n, val) = kv.split_once('=')?;
                cookies.push((n.to_string(), val.to_string()));
            }
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).await.ok()?;
    Some((
        Resp {
            status,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        },
        cookies,
    ))
}

pub fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

pub fn form_body(csrf_free_pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(csrf_free_pairs).unwrap()
}
