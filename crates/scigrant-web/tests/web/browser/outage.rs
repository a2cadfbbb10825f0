//! Issue 11 in Chromium: the applicant presses 提交 while the database is
//! unavailable, sees a clear Chinese error on the same page with every
//! field as typed, and once the database is back presses 提交 again and
//! gets the receipt. On SQLite the test holds the write lock (as another
//! process would: every write waits out the busy timeout and the server
//! answers 503); on PostgreSQL the server reaches its database through a
//! proxy on loopback that the test cuts (every connection dropped, new
//! ones refused) and restores.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fantoccini::Locator;
use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, funding_call, person_actor, pg_base, test_env_with,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{Session, start, start_on};

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

/// How the test takes the database away and gives it back.
enum Outage {
    /// SQLite: this test holds the write lock.
    Lock,
    /// PostgreSQL: the server's way to it is cut.
    Cut(Proxy),
}

/// A TCP proxy on loopback in front of the PostgreSQL server: while cut,
/// every open connection is closed and new ones are closed on arrival.
struct Proxy {
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    /// Listens on a free port in front of `upstream` (host:port); returns
    /// the proxy and its address.
    async fn start(upstream: String) -> (Proxy, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let down = Arc::new(AtomicBool::new(false));
        let (cut, _) = watch::channel(0u64);
        let (d, c) = (down.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: closed on arrival
                }
                let mut cut = c.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        (Proxy { down, cut }, addr)
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_submission_refused_in_an_outage_goes_through_when_pressed_again_sqlite() {
    let s = start(Backend::Sqlite).await;
    tokio::time::timeout(
        Duration::from_secs(60),
        resubmit_after_outage(&s, Outage::Lock),
    )
    .await
    .expect("the outage flow took over 60 s");
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_submission_refused_in_an_outage_goes_through_when_pressed_again_postgres() {
    // postgres://user@host:port → the same server through the proxy.
    let base = pg_base();
    let (_, upstream) = base.rsplit_once('@').unwrap();
    let (proxy, addr) = Proxy::start(upstream.to_string()).await;
    let env = test_env_with(Backend::Postgres, |c| {
        c.database_url = c.database_url.replacen(upstream, &addr, 1);
    })
    .await;
    assert!(env.app.config.database_url.contains(&addr));
    let s = start_on(env).await;
    let outage = Outage::Cut(proxy);
    tokio::time::timeout(Duration::from_secs(60), resubmit_after_outage(&s, outage))
        .await
        .expect("the outage flow took over 60 s");
    s.done().await;
}

async fn resubmit_after_outage(s: &Session, outage: Outage) {
    let app = &s.env.app;
    let call = funding_call(app, "KJFWT2023-01", "80", "55").await;
    let m = ApprovedMember::builder(1).build(app).await;
    // A complete 附件4 saved earlier; the applicant changes two fields now.
    let id = applications::start(app, &person_actor(m.person.0), m.person, call)
        .await
        .unwrap();
    applications::save(
        app,
        &scigrant_app::testing::person_actor(m.person.0),
        m.person,
        id,
        &sample_fj4(),
    )
    .await
    .unwrap();

    s.login("person", &m.phone, PASSWORD).await;
    s.wait_path("/person").await;
    s.go(&format!("/applications/{}/edit", id.0)).await;
    s.fill("f:project_name", TITLE).await;
    s.fill("f:unit_intro", INTRO).await;

    // The database goes away.
    let lock = match &outage {
        Outage::Lock => Some(app.db.begin().await.unwrap()),
        Outage::Cut(proxy) => {
            proxy.cut();
            None
        }
    };
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

    // The database is back; nothing was submitted, and the same press
    // goes through.
    match (lock, &outage) {
        (Some(lock), _) => lock.rollback().await.unwrap(),
        (None, Outage::Cut(proxy)) => proxy.restore(),
        (None, Outage::Lock) => unreachable!(),
    }
    let v = applications::load(app, Reader::Person(m.person.0), id)
        .await
        .unwrap();
    assert!(v.submitted_at.is_none(), "nothing was submitted");
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
