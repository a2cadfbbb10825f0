//! The verification provider (国家平台): one JSON POST to `realname_url`
//! per check, answered within `realname_timeout_ms`. The protocol is in
//! docs/operations.md ("实名认证"). A provider that cannot be reached, is
//! slow or answers something else is `Unavailable`, never an error of the
//! use case: the account gets 认证失败 with the reason and may ask for
//! manual review.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Config;

/// What is sent: the details a verification vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Request {
    Person {
        name: String,
        /// The 证件类型 code (`mainland_id`, `hmt_permit`, `passport`).
        id_type: String,
        id_number: String,
    },
    Unit {
        name: String,
        uscc: String,
        legal_rep: String,
        legal_rep_id_type: String,
        legal_rep_id_number: String,
    },
}

/// What the provider answers: `{"result": "pass"}` or
/// `{"result": "fail", "reason": "姓名与证件号码不一致"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub result: String,
    #[serde(default)]
    pub reason: String,
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The provider refused the details, with its reason.
    Fail(String),
    /// No usable answer (unreachable, timeout, HTTP error, unreadable body).
    Unavailable(String),
}

/// Where checks go.
#[derive(Debug)]
pub enum Provider {
    /// None configured: every check goes to manual review.
    Manual,
    Http {
        url: String,
        client: reqwest::Client,
    },
}

impl Provider {
    pub fn from_config(cfg: &Config) -> Result<Provider, String> {
        let url = cfg.realname_url.trim();
        if url.is_empty() {
            return Ok(Provider::Manual);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(cfg.realname_timeout_ms.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("realname_url: {e}"))?;
        Ok(Provider::Http {
            url: url.to_string(),
            client,
        })
    }

    /// Asks the provider; `None` when there is none (manual review).
    pub async fn check(&self, req: &Request) -> Option<Verdict> {
        let Provider::Http { url, client } = self else {
            return None;
        };
        let resp = match client.post(url).json(req).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Some(Verdict::Unavailable("实名认证服务响应超时".into()));
            }
            Err(e) => {
                tracing::warn!(error = %e.without_url(), "realname provider unreachable");
                return Some(Verdict::Unavailable("实名认证服务无法连接".into()));
            }
        };
        if !resp.status().is_success() {
            return Some(Verdict::Unavailable(format!(
                "实名认证服务返回错误（HTTP {}）",
                resp.status().as_u16()
            )));
        }
        Some(match resp.json::<Answer>().await {
            Ok(a) if a.result == "pass" => Verdict::Pass,
            Ok(a) if a.result == "fail" => Verdict::Fail(if a.reason.trim().is_empty() {
                "国家平台实名认证未通过".into()
            } else {
                a.reason.trim().chars().take(200).collect()
            }),
            Ok(_) => Verdict::Unavailable("实名认证服务应答无法识别".into()),
            Err(e) if e.is_timeout() => Verdict::Unavailable("实名认证服务响应超时".into()),
            Err(_) => Verdict::Unavailable("实名认证服务应答无法识别".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_request_is_tagged_by_kind() {
        let r = Request::Person {
            name: "张三".into(),
            id_type: "mainland_id".into(),
            id_number: "540102198001010011".into(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"kind":"person","name":"张三","id_type":"mainland_id","id_number":"540102198001010011"}"#
        );
        let a: Answer = serde_json::from_str(r#"{"result":"pass"}"#).unwrap();
        assert_eq!(a.result, "pass");
    }
}
