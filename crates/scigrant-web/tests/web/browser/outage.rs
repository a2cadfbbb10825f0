//! Issue 11 in Chromium: the applicant presses 提交 while the database
//! cannot take writes (another connection holds SQLite's write lock, so
//! every write waits out the busy timeout and the server answers 503), sees
//! a clear Chinese error on the same page with every field as typed, and
//! once the database is free presses 提交 again and gets the receipt.

use std::time::Duration;

use fantoccini::Locator;
use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, funding_call, person_actor};
use scigrant_domain::grants::form::samples::sample_fj4;

use super::{Session, start};

const TITLE: &str = "高原生态监测科技服务团（断线后重新提交）";
const INTRO: &str = "本单位长期从事高原生态监测与科技服务。";

async fn value(s: &Session, name: &str) -> String {
    s.c.find(Locator::Css(&format!("[name='{name}']")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_submission_refused_in_an_outage_goes_through_when_pressed_again() {
    let s = start(Backend::Sqlite).await;
    tokio::time::timeout(Duration::from_secs(60), resubmit_after_outage(&s))
        .await
        .expect("the outage flow took over 60 s");
    s.done().await;
}

async fn resubmit_after_outage(s: &Session) {
    let app = &s.env.app;
    let call = funding_call(app, "KJFWT2023-01", "80", "55").await;
    let m = ApprovedMember::builder(1).build(app).await;
    // A complete 附件4 saved earlier; the applicant changes two fields now.
    let id = applications::start(app, &person_actor(m.person.0), m.person, call)
        .await
        .unwrap();
    applications::save(app, m.person, id, &sample_fj4())
        .await
        .unwrap();

    s.login("person", &m.phone, PASSWORD).await;
    s.wait_path("/person").await;
    s.go(&format!("/applications/{}/edit", id.0)).await;
    s.fill("f:project_name", TITLE).await;
    s.fill("f:unit_intro", INTRO).await;

    // The database goes away for writes: this connection holds the lock.
    let lock = app.db.begin().await.unwrap();
    s.click("#submit-application").await;
    s.wait_visible_text("#submit-error", "服务暂时不可用").await;
    let said = s.text("#submit-error").await;
    assert!(
        said.contains("本次提交未保存") && said.contains("请稍后再次点击“提交”"),
        "{said}"
    );
    assert_eq!(s.path().await, format!("/applications/{}/edit", id.0));
    assert_eq!(value(s, "f:project_name").await, TITLE);
    assert_eq!(value(s, "f:unit_intro").await, INTRO);
    let v = applications::load(app, Reader::Person(m.person.0), id)
        .await
        .unwrap();
    assert!(v.submitted_at.is_none(), "nothing was submitted");

    // The database is back; the same press goes through.
    lock.rollback().await.unwrap();
    s.click("#submit-application").await;
    s.wait_path(&format!("/applications/{}?ok=submitted", id.0))
        .await;
    assert!(s.body().await.contains("回执：请保存申报编号与摘要"));
    assert!(!s.text("#app-number").await.is_empty());
    let v = applications::load(app, Reader::Person(m.person.0), id)
        .await
        .unwrap();
    assert!(v.submitted_at.is_some());
    assert_eq!(v.text("project_name"), TITLE);
    assert_eq!(v.text("unit_intro"), INTRO);
}
