//! One applicant of the cluster run, through the balancer: signs in,
//! opens the application, then autosaves a new version every interval;
//! uploads both sides of the ID card (上传自然人信息) and submits when the
//! run reaches the phases of its group, so uploads and submissions happen
//! before, during and after the kill and the rolling restart. What got no
//! answer (or a 502/503) is retried, as a browser's autosave and a person
//! pressing 提交 again would, and noted with the phases it spanned.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use scigrant_domain::ids::{CallId, PersonId};

use super::SURGE;
use crate::faults::{Client, Resp, draft};
use crate::realname::seg;

/// Autosaves before an applicant may submit.
const MIN_SAVES: usize = 3;
/// Bytes of each image's scan: two images and the form stay under
/// HAProxy's 16 KB buffer, so the balancer can replay the upload.
const IMAGE_BYTES: usize = 6000;
const BOUNDARY: &str = "----scigrant-cluster-boundary";

/// The run as every applicant sees it.
#[derive(Default)]
pub struct Run {
    pub phase: AtomicUsize,
    pub logged_in: AtomicUsize,
    /// Uploads, autosaves and submissions sent in each phase (retries too).
    pub sent: [AtomicUsize; 4],
    /// (phase sent in, phase it failed in, status, what): requests that got
    /// no answer, or a 502/503.
    pub unanswered: Mutex<Vec<(usize, usize, u16, String)>>,
    /// Answers by status over the run (0: none).
    pub statuses: Mutex<BTreeMap<u16, usize>>,
}

impl Run {
    fn phase(&self) -> usize {
        self.phase.load(Ordering::SeqCst)
    }

    fn unanswered(&self, sent: usize, status: u16, what: &str) {
        let now = self.phase();
        self.unanswered
            .lock()
            .unwrap()
            .push((sent, now, status, what.to_string()));
    }
}

#[derive(Clone, Copy)]
pub struct Plan {
    pub call: CallId,
    /// The balancer's port.
    pub lb: u16,
    pub interval: Duration,
    pub end: Instant,
}

/// What an applicant saw acknowledged, and its browser for the checks.
pub struct Applied {
    pub i: usize,
    pub person: PersonId,
    pub app_id: i64,
    /// The version whose submission got the receipt.
    pub version: usize,
    /// (file id, bytes uploaded) of the front and back images.
    pub files: Vec<(i64, Vec<u8>)>,
    pub client: Client,
    pub signed_in_before_kill: bool,
}

/// Repeats `step` until it answers `want`; a missing answer or a 502/503
/// is noted and retried, any other answer fails the test, and so does
/// running past `end`.
macro_rules! until {
    ($run:expr, $end:expr, $what:expr, $want:expr, $step:expr) => {{
        loop {
            let sent = $run.phase();
            $run.sent[sent].fetch_add(1, Ordering::SeqCst);
            let r: Resp = $step;
            if r.status == $want {
                break r;
            }
            assert!(
                matches!(r.status, 0 | 502 | 503),
                "{}: answered {} {}",
                $what,
                r.status,
                r.body.chars().take(400).collect::<String>()
            );
            $run.unanswered(sent, r.status, &$what);
            assert!(Instant::now() < $end, "{}: no answer in time", $what);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }};
}

pub async fn applicant(
    i: usize,
    person: PersonId,
    phone: String,
    plan: Plan,
    run: std::sync::Arc<Run>,
) -> Applied {
    tokio::time::sleep(plan.interval * (i % 10) as u32 / 10).await;
    let mut c = Client::at(plan.lb, &format!("10.2.{}.{}", i / 200, i % 200 + 1));
    loop {
        let sent = run.phase();
        if c.login(&phone).await {
            break;
        }
        run.unanswered(sent, 0, &format!("sign-in of {i}"));
        assert!(Instant::now() < plan.end, "applicant {i} could not sign in");
        c.cookies.clear();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let signed_in_before_kill = run.phase() == SURGE;
    run.logged_in.fetch_add(1, Ordering::SeqCst);
    let app_id = loop {
        let sent = run.phase();
        if let Some(id) = c.apply(plan.call).await {
            break id;
        }
        run.unanswered(sent, 0, &format!("application of {i}"));
        assert!(Instant::now() < plan.end, "applicant {i} could not apply");
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    // Group 0 uploads before the kill and submits after it, group 1
    // uploads once it began and submits during the rolling restart, group
    // 2 uploads during the rolling restart and submits after it.
    let group = i % 3;
    let mut files = Vec::new();
    let mut v = 0;
    loop {
        let phase = run.phase();
        if files.is_empty() && phase >= group {
            files = upload(&mut c, i, &run, plan.end).await;
        }
        if !files.is_empty() && phase > group && v >= MIN_SAVES {
            break;
        }
        v += 1;
        let data = draft(i, v);
        let what = format!("autosave {v} of {i}");
        until!(run, plan.end, what, 200, c.autosave(app_id, &data).await);
        tokio::time::sleep(plan.interval).await;
    }
    let version = v + 1;
    let data = draft(i, version);
    let what = format!("submission of {i}");
    let r = until!(run, plan.end, what, 303, c.submit(app_id, &data).await);
    assert_eq!(r.location, format!("/applications/{app_id}?ok=submitted"));
    let mut all = run.statuses.lock().unwrap();
    for (k, n) in &c.answered {
        *all.entry(*k).or_default() += n;
    }
    drop(all);
    Applied {
        i,
        person,
        app_id,
        version,
        files,
        client: c,
        signed_in_before_kill,
    }
}

/// 上传自然人信息 with applicant `i`'s two images; then the page lists
/// them, linked to `/files/{id}`: those ids with the bytes sent.
async fn upload(c: &mut Client, i: usize, run: &Run, end: Instant) -> Vec<(i64, Vec<u8>)> {
    let (front, back) = (id_card(i, 0), id_card(i, 1));
    let kind = format!("multipart/form-data; boundary={BOUNDARY}");
    let what = format!("upload of {i}");
    let r = until!(run, end, what, 303, {
        let body = upload_body(&c.csrf, &front, &back);
        c.send_as("POST", "/person/info/upload", &kind, &body).await
    });
    assert_eq!(r.location, "/person/info?ok=realname_uploaded");
    let what = format!("the uploads page of {i}");
    let page = until!(
        run,
        end,
        what,
        200,
        c.send("GET", "/person/info/upload", "").await
    );
    let ids: Vec<i64> = page
        .body
        .split("<a href=\"/files/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert_eq!(ids.len(), 2, "front and back listed for {i}");
    vec![(ids[0], front), (ids[1], back)]
}

/// One side of applicant `i`'s ID card: a small JPEG with a scanner's
/// structure and no metadata (kept byte for byte), different for every
/// applicant and side.
fn id_card(i: usize, side: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    v.extend(seg(0xDB, &[0; 65]));
    v.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    // The scan's bytes never hold 0xFF, so no marker hides in them.
    v.extend((0..IMAGE_BYTES).map(|k| ((i * 131 + side * 17 + k * 7) % 251) as u8));
    v.extend([0xFF, 0xD9]);
    v
}

/// The page's form: the form token first, then `front` and `back`.
fn upload_body(csrf: &str, front: &[u8], back: &[u8]) -> Vec<u8> {
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    for (field, name, bytes) in [
        ("front", "身份证正面.jpg", front),
        ("back", "身份证反面.jpg", back),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                 filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}
