//! Test support shared by the app's and the web's test suites (and the
//! web's surge benchmark): a fresh database per test on either backend (a
//! new SQLite file, or a new PostgreSQL database dropped afterwards), a
//! hand-moved clock, actors, staff accounts ready to sign in, valid
//! identifiers and forms, and the builder of an approved member. Compiled only with the `testing`
//! feature, which the dev-dependencies of those crates turn on: it is not
//! part of the shipped library. It also re-exports the few store types the
//! web tests need, so the web crate depends on the use cases alone.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_store::identity::accounts;

pub use scigrant_domain::upload::FileKind;
pub use scigrant_store::Backend;

use crate::admin::audit::{AuditFilter, search_audit};
use crate::admin::staff::{NewStaff, add_staff};
use crate::config::Secret;
use crate::identity::captcha::new_captcha;
use crate::identity::hasher::new_password_hash;
use crate::identity::members::{ProfileForm, decide_member, save_profile};
use crate::identity::register::{
    PersonForm, UnitForm, Uploaded, limits, register_person, register_unit, submit_org_cert,
};
use crate::identity::review::{Verdict, review_unit};
use crate::{Actor, App, AppError, Config, TestClock};

pub mod bulk;
mod numbers;
mod realname;
pub mod s3;

pub use numbers::{id_number, phone, uscc};
pub use realname::verified_by_review;

/// Where the test PostgreSQL server is (`SCIGRANT_TEST_PG`, default the
/// local cluster with trust auth).
pub fn pg_base() -> String {
    std::env::var("SCIGRANT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// 2023-04-20 10:00 CST, a fixed "now" for tests.
pub const T0: i64 = 1_681_956_000_000;

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestEnv {
    pub app: App,
    pub clock: TestClock,
    pub backend: Backend,
    dir: PathBuf,
    pg_db: Option<String>,
}

fn unique(prefix: &str) -> String {
    let mut r = [0u8; 4];
    rand::rng().fill_bytes(&mut r);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        hex::encode(r)
    )
}

/// A test configuration: fast password hashing, fixed captcha answer.
pub fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        database_url,
        password_iterations: 1000,
        allow_weak_password_hashing: true,
        test_captcha: Some(Secret::new("TEST")),
        max_connections: 8,
        login_rate_per_minute: 10_000,
        register_rate_per_minute: 10_000,
        ..Config::default()
    }
}

/// The test server's maintenance database, for creating and dropping
/// the databases of tests. Panics with how to start the server when it is
/// not reachable: a PostgreSQL test never silently skips.
async fn pg_admin() -> scigrant_store::Db {
    let admin = format!("{}/postgres", pg_base());
    scigrant_store::Db::connect(&admin, 1).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for the store tests and is not reachable at {admin}: {e}. \
             Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    })
}

/// Creates the empty PostgreSQL database `name` on the test server and
/// returns its URL.
pub async fn create_pg_database(name: &str) -> String {
    let admin = pg_admin().await;
    scigrant_store::sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin.pool)
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    admin.pool.close().await;
    format!("{}/{name}", pg_base())
}

/// Drops the PostgreSQL database `name`, closing connections still open.
pub async fn drop_pg_database(name: &str) -> Result<(), AppError> {
    let admin = scigrant_store::Db::connect(&format!("{}/postgres", pg_base()), 1).await?;
    scigrant_store::sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin.pool)
        .await
        .map_err(scigrant_store::StoreError::from)?;
    admin.pool.close().await;
    Ok(())
}

/// A fresh, migrated App on `backend`. Panics with a clear message when
/// PostgreSQL cannot be reached: a store test never silently skips.
pub async fn test_env(backend: Backend) -> TestEnv {
    test_env_with(backend, |_| {}).await
}

/// [`test_env`] with the test configuration changed by `change` first
/// (an SMTP server, an SMS gateway).
pub async fn test_env_with(backend: Backend, change: impl FnOnce(&mut Config)) -> TestEnv {
    let dir = std::env::temp_dir().join(unique("scigrant-test"));
    std::fs::create_dir_all(&dir).expect("create test dir");
    let (url, pg_db) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.join("t.db").display()),
            None,
        ),
        Backend::Postgres => {
            let name = unique("sg_t");
            (create_pg_database(&name).await, Some(name))
        }
    };
    let clock = TestClock::at(T0);
    let mut config = test_config(&dir, url);
    change(&mut config);
    let app = App::open(config, Arc::new(clock.clone()))
        .await
        .expect("open test app");
    TestEnv {
        app,
        clock,
        backend,
        dir,
        pg_db,
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_db.take() {
            // Drop runs outside async; a short-lived runtime on its own
            // thread removes the database, closing leftover connections.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                // A database left behind is harmless; the test's outcome stands.
                let _ = rt.block_on(drop_pg_database(&name));
            })
            .join();
        }
    }
}

pub const PASSWORD: &str = "Gesang#2023abc";

/// A minimal JPEG / PDF body of `size` bytes.
pub fn jpeg(size: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(size.max(4), 0x20);
    v
}

pub fn pdf(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.resize(size.max(9), b' ');
    v
}

/// Stores `bytes` as an upload would.
pub async fn upload(app: &App, kind: FileKind, max: u64, name: &str, bytes: &[u8]) -> Uploaded {
    let mut u = app.files.begin(kind, max).await.expect("begin upload");
    for chunk in bytes.chunks(64 * 1024) {
        u.write(chunk).await.expect("upload accepted");
    }
    Uploaded {
        stored: u.finish().await.expect("upload finished"),
        original_name: name.into(),
    }
}

/// A visitor from loopback, as the registration pages act.
pub fn visitor() -> Actor {
    Actor::anonymous("127.0.0.1", "test")
}

/// A staff member acting, labelled "reviewer" in decisions and the log.
pub fn staff_actor(id: i64) -> Actor {
    Actor {
        kind: Some(AccountKind::Staff),
        id: Some(id),
        label: "reviewer".into(),
        ip: "127.0.0.1".into(),
        request_id: "test".into(),
        on_behalf: None,
    }
}

/// Unit `id` acting through its account.
pub fn unit_actor(id: i64) -> Actor {
    Actor {
        kind: Some(AccountKind::Unit),
        id: Some(id),
        label: "测试单位".into(),
        ip: "127.0.0.1".into(),
        request_id: "test".into(),
        on_behalf: None,
    }
}

/// Person `id` acting through their account.
pub fn person_actor(id: i64) -> Actor {
    Actor {
        kind: Some(AccountKind::Person),
        id: Some(id),
        label: "张三".into(),
        ip: "127.0.0.1".into(),
        request_id: "test".into(),
        on_behalf: None,
    }
}

/// A staff account with `role` that has already chosen its own password
/// (the first-login change is done), so a test can sign in as that role
/// and reach its pages. Created through `add_staff`, as an administrator
/// would; returns its id.
pub async fn staff_with_password(
    app: &App,
    login: &str,
    name: &str,
    role: StaffRole,
    password: &str,
) -> i64 {
    let id = add_staff(
        app,
        &Actor::system(),
        &NewStaff {
            login: login.into(),
            name: name.into(),
            role: role.code().into(),
            password: password.into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("add staff {login}: {e:?}"));
    let hash = new_password_hash(app, password)
        .await
        .expect("hash the staff password");
    let mut c = app.db.read().await.expect("database connection");
    accounts::set_staff_password(&mut c, id.0, &hash, false)
        .await
        .expect("set the staff password");
    id.0
}

/// Registers person `n`, who asks to join `unit` (完善个人信息 with both
/// proofs) and is approved by it; returns the person and their mobile.
pub async fn join_unit(app: &App, unit: UnitId, n: u32) -> (PersonId, String) {
    let captcha_id = new_captcha(app).await.expect("new captcha").id;
    let form = person_form(n, captcha_id);
    let person = register_person(app, &visitor(), &form)
        .await
        .unwrap_or_else(|e| panic!("register person {n}: {e:?}"));
    let id_proof = upload(app, FileKind::Pdf, limits::ID_PROOF, "id.pdf", &pdf(1000)).await;
    let title_proof = upload(app, FileKind::Pdf, limits::TITLE_PROOF, "t.pdf", &pdf(1000)).await;
    let profile = ProfileForm {
        unit_id: unit.to_string(),
        region_code: "540102".into(),
        department: "中心".into(),
        email: form.email.clone(),
        education: "硕士".into(),
        degree: "博士".into(),
        title: "高级".into(),
    };
    save_profile(
        app,
        &person_actor(person.0),
        person,
        &profile,
        Some(&id_proof),
        Some(&title_proof),
    )
    .await
    .unwrap_or_else(|e| panic!("profile of person {n}: {e:?}"));
    decide_member(app, &unit_actor(unit.0), unit, person, Some(true), "")
        .await
        .unwrap_or_else(|e| panic!("unit {unit} approves person {n}: {e:?}"));
    (person, form.phone)
}

/// Takes a registered unit through 初审, the 组织机构代码证 upload and 复审,
/// so persons may join it.
pub async fn complete_registration(app: &App, reviewer: &Actor, unit: UnitId) {
    review_unit(app, reviewer, unit, &Verdict::Approve)
        .await
        .unwrap_or_else(|e| panic!("初审 of unit {unit}: {e:?}"));
    let org_cert = upload(app, FileKind::Pdf, limits::ORG_CERT, "org.pdf", &pdf(2000)).await;
    submit_org_cert(app, &unit_actor(unit.0), unit, Some(&org_cert))
        .await
        .unwrap_or_else(|e| panic!("组织机构代码证 of unit {unit}: {e:?}"));
    review_unit(app, reviewer, unit, &Verdict::Approve)
        .await
        .unwrap_or_else(|e| panic!("复审 of unit {unit}: {e:?}"));
}

/// How many captchas are stored.
pub async fn captcha_count(app: &App) -> i64 {
    let mut c = app.db.read().await.expect("a connection");
    scigrant_store::identity::captcha::count(&mut c)
        .await
        .expect("count captchas")
}

/// How many audit records have an action starting with `action_prefix`.
pub async fn audit_count(app: &App, action_prefix: &str) -> i64 {
    let filter = AuditFilter {
        action_prefix: action_prefix.into(),
        ..AuditFilter::default()
    };
    search_audit(app, &filter, 1)
        .await
        .expect("search the audit log")
        .total
}

/// The registration form of unit `n`: a research institute with the n-th
/// 统一社会信用代码 and the n-th mobile number as its contact, answering
/// the test captcha; set `captcha_id` to a fresh captcha before registering.
pub fn unit_form(n: u32) -> UnitForm {
    UnitForm {
        kind: "institute".into(),
        name: format!("西藏高原科学研究所{n}"),
        legal_rep: "扎西".into(),
        reg_place: "拉萨市城关区".into(),
        uscc: uscc(n),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
        contact_name: "卓玛".into(),
        contact_phone: phone(n),
        captcha_id: String::new(),
        captcha: "TEST".into(),
    }
}

/// The registration form of person `n`: the n-th ID number and mobile
/// number 50 000 + n (clear of the units' contact numbers), with the test
/// captcha answer for `captcha_id`.
pub fn person_form(n: u32, captcha_id: String) -> PersonForm {
    PersonForm {
        doc_type: "mainland_id".into(),
        doc_no: id_number(n),
        name: "张三".into(),
        email: format!("p{n}@example.cn"),
        region_code: "540102".into(),
        gender: "男".into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
        phone: phone(50_000 + n),
        captcha_id,
        captcha: "TEST".into(),
        agreed: true,
    }
}

/// A unit past 初审 with one approved member, the state every application
/// test starts from.
#[derive(Clone, Debug)]
pub struct ApprovedMember {
    pub unit: UnitId,
    pub person: PersonId,
    /// The unit's login, its 统一社会信用代码.
    pub uscc: String,
    /// The person's login, their mobile number.
    pub phone: String,
}

impl ApprovedMember {
    /// Unit `n` ([`unit_form`]) with person `n` ([`person_form`]) as its
    /// member; change the unit's kind or name before [`build`](MemberBuilder::build).
    pub fn builder(n: u32) -> MemberBuilder {
        let unit = unit_form(n);
        MemberBuilder { n, unit }
    }
}

/// Makes an [`ApprovedMember`] through the use cases, as the people involved
/// would: the unit registers with its certificate, a reviewer passes 初审,
/// the person registers and completes the profile choosing the unit (with
/// both proofs), and the unit approves the membership.
#[derive(Clone, Debug)]
pub struct MemberBuilder {
    n: u32,
    unit: UnitForm,
}

impl MemberBuilder {
    /// 单位性质, a `UnitKind` code: calls admit some kinds only.
    pub fn unit_kind(mut self, kind: &str) -> MemberBuilder {
        self.unit.kind = kind.into();
        self
    }

    /// The unit's name, which applications copy as the applicant.
    pub fn unit_name(mut self, name: &str) -> MemberBuilder {
        self.unit.name = name.into();
        self
    }

    pub async fn build(self, app: &App) -> ApprovedMember {
        let n = self.n;
        let cert = upload(app, FileKind::Jpeg, limits::USCC_CERT, "c.jpg", &jpeg(100)).await;
        let mut form = self.unit.clone();
        form.captcha_id = new_captcha(app).await.expect("a captcha").id;
        let unit = register_unit(app, &visitor(), &form, Some(&cert))
            .await
            .unwrap_or_else(|e| panic!("register unit {n}: {e:?}"));
        let reviewer = Actor {
            kind: Some(AccountKind::Staff),
            id: None,
            label: "审核员".into(),
            ip: "127.0.0.1".into(),
            request_id: "test".into(),
            on_behalf: None,
        };
        complete_registration(app, &reviewer, unit).await;
        let (person, phone) = join_unit(app, unit, n).await;
        ApprovedMember {
            unit,
            person,
            uscc: self.unit.uscc,
            phone,
        }
    }
}

/// Puts `person` straight into the expert library as an approved expert
/// (what staff approval of an application does), with 学科 `codes` (the
/// first is primary) and 研究方向 `keywords`; returns the expert. For
/// tests that need experts without walking the application.
pub async fn approved_expert(
    app: &App,
    person: PersonId,
    unit: Option<UnitId>,
    codes: &[&str],
    keywords: &[&str],
) -> scigrant_domain::ids::ExpertId {
    use scigrant_domain::evaluation::expert::ExpertState;
    use scigrant_store::evaluation::experts::{NewExpert, insert_expert};
    let mut tx = app.db.begin().await.expect("begin");
    let unit_name = match unit {
        Some(u) => accounts::unit(&mut tx, u.0)
            .await
            .expect("read unit")
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let keywords = keywords.join("\n");
    let disciplines: Vec<(&str, bool)> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i == 0))
        .collect();
    let e = NewExpert {
        person_id: person.0,
        unit_id: unit.map(|u| u.0),
        unit_name: &unit_name,
        title: "正高级",
        summary: "长期从事相关领域研究。",
        keywords: &keywords,
        email_domain: "",
        region_code: 540_102,
        available: true,
        state: ExpertState::Approved,
        source: "applied",
    };
    let id = insert_expert(&mut tx, &e, &disciplines, app.now())
        .await
        .expect("insert expert");
    tx.commit().await.expect("commit");
    scigrant_domain::ids::ExpertId(id)
}

/// A published call of the 附件4 form for funding tests: `quota` projects
/// at most `cap` 万元 each, open from 2023-04-10 to 2023-04-25 (around
/// [`T0`]).
pub async fn funding_call(
    app: &App,
    code: &str,
    quota: &str,
    cap: &str,
) -> scigrant_domain::ids::CallId {
    use crate::grants::calls::{CallForm, create_call, create_program, set_state};
    let manager = staff_actor(99);
    let program = create_program(app, &manager, "2023年“科创中国”系列项目", "各有关单位：……")
        .await
        .expect("program");
    let form = CallForm {
        code: code.into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: quota.into(),
        cap: cap.into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["institute".into(), "enterprise".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        form_json: String::new(),
        city_group: String::new(),
        ..CallForm::default()
    };
    let call = create_call(app, &manager, program, &form)
        .await
        .expect("call");
    set_state(
        app,
        &manager,
        call,
        scigrant_domain::grants::application::CallState::Published,
    )
    .await
    .expect("publish call");
    call
}

/// Member `n` applies to `call` with the sample 附件4 (申请经费 55 万元,
/// project `title`), the unit recommends it and staff accept it: an
/// application ready for a funding decision.
pub async fn accepted_application(
    app: &App,
    call: scigrant_domain::ids::CallId,
    n: u32,
    title: &str,
) -> (ApprovedMember, scigrant_domain::ids::ApplicationId) {
    use crate::grants::applications::{recommend, staff_decide, start, submit};
    use scigrant_domain::grants::form::Value;
    let member = ApprovedMember::builder(n).build(app).await;
    let me = person_actor(member.person.0);
    let id = start(app, &me, member.person, call).await.expect("start");
    let mut data = scigrant_domain::grants::form::samples::sample_fj4();
    data.insert("project_name".into(), Value::Text(title.into()));
    submit(app, &me, member.person, id, &data)
        .await
        .expect("submit");
    recommend(
        app,
        &unit_actor(member.unit.0),
        member.unit,
        id,
        &[true, true, true],
    )
    .await
    .expect("recommend");
    staff_decide(app, &staff_actor(99), id, true, "")
        .await
        .expect("accept");
    (member, id)
}

/// A predecessor system's bcrypt hash of `password` (cost 4, the lowest,
/// to keep tests quick), as `scigrant import accounts` takes it.
pub fn legacy_hash(password: &str) -> String {
    bcrypt::hash(password, 4).expect("bcrypt at cost 4")
}
