//! 火炬中心业务办理平台用户转移 (issue 13, item 8): `scigrant import
//! accounts` (dry run, counts per case, idempotence, the HJ_/HJ- login
//! names, bcrypt hashes upgraded at the first login, no hash forcing
//! recovery) and the public 账号检索 for each of the seed's cases. Each
//! test runs on SQLite and on PostgreSQL.

use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::legacy::import::{ImportReport, Outcome, import_accounts};
use scigrant_app::identity::legacy::lookup::{LookupAnswer, LookupInput, lookup_account};
use scigrant_app::identity::legacy::{Case, Lookup};
use scigrant_app::testing::{TestEnv, audit_count, id_number, legacy_hash, phone, uscc, visitor};
use scigrant_app::{Actor, AppError};
use scigrant_store::identity::accounts;

use super::recovery::{NEW_PASSWORD, code_in_outbox, reset, send, step_two};
use super::{new_captcha, new_person, new_unit, try_login};

/// The predecessor's password of every imported account with a hash.
const LEGACY_PASSWORD: &str = "Huoju#2019old";

/// The file: one row per case, plus two rows with errors. Units 1 and 2
/// and persons 1 and 2 are registered here first (see [`natives`]).
fn legacy_csv() -> String {
    let h = legacy_hash(LEGACY_PASSWORD);
    let rows = [
        "类型,登录名,单位名称,统一社会信用代码,姓名,证件号码,手机号,电子邮箱,密码哈希".to_string(),
        // Unit 第一种: new here.
        format!(
            "unit,,拉萨火炬科技有限公司,{},顿珠,,{},,{h}",
            uscc(10),
            phone(60_010)
        ),
        // Unit 第二种: registered here, no password to keep.
        format!("unit,{},西藏高原科学研究所1,{},,,,,", uscc(1), uscc(1)),
        // Unit 第三种: registered here, with a password → HJ_.
        format!("单位,,日喀则高新材料有限公司,{},,,,,{h}", uscc(2)),
        // Unit 第四种: the unit's login was a person's account.
        format!("person,{},,,次仁,,{},,{h}", uscc(11), phone(60_011)),
        // Person 第一种: new here.
        format!(
            "person,{},,,白玛,,{},baima@example.cn,{h}",
            phone(60_020),
            phone(60_020)
        ),
        // Person 第二种: the phone is registered here, no password.
        format!("个人,,,,张三,,{},,", phone(50_001)),
        // Person 第三种: the phone is registered here, with a password → HJ-.
        format!("person,,,,李四,,{},,{h}", phone(50_002)),
        // Person 第四种: person 1's ID number under another phone.
        format!("person,,,,张三,{},{},,{h}", id_number(1), phone(60_030)),
        // Person 第一种 without a hash: only 忘记密码 opens it.
        format!("person,,,,尼玛,,{},,", phone(60_040)),
        // Errors.
        "unit,,错误单位,91540102000000000X,,,,,".to_string(),
        format!("person,,,,王五,,{},,plain-text-password", phone(60_050)),
    ];
    rows.join("\n") + "\n"
}

async fn natives(env: &TestEnv) {
    new_unit(env, 1).await;
    new_unit(env, 2).await;
    new_person(env, 1).await;
    new_person(env, 2).await;
}

async fn import(env: &TestEnv, dry_run: bool) -> ImportReport {
    import_accounts(
        &env.app,
        &Actor::system(),
        "accounts.csv",
        legacy_csv().as_bytes(),
        dry_run,
    )
    .await
    .unwrap()
}

/// (unit counts, person counts) per case 1–4.
fn counts(r: &ImportReport) -> ([usize; 4], [usize; 4]) {
    let per = |l| Case::ALL.map(|c| r.count(l, c));
    (per(Lookup::Unit), per(Lookup::Person))
}

async fn table_counts(env: &TestEnv) -> (i64, i64, i64) {
    let mut c = env.app.db.read().await.unwrap();
    let units: i64 = scigrant_store::sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let persons: i64 = scigrant_store::sqlx::query_scalar("SELECT COUNT(*) FROM persons")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let legacy = scigrant_store::identity::legacy::count(&mut c)
        .await
        .unwrap();
    (units, persons, legacy)
}

async fn import_dry_run_counts_and_idempotence(env: TestEnv) {
    natives(&env).await;
    let before = table_counts(&env).await;

    // The dry run decides every row and keeps nothing.
    let dry = import(&env, true).await;
    assert!(dry.dry_run);
    assert_eq!(counts(&dry), ([1, 1, 1, 1], [2, 1, 1, 1]));
    assert_eq!((dry.already(), dry.refused()), (0, 2));
    assert_eq!(
        dry.rows[9].outcome,
        Outcome::Refused("统一社会信用代码不正确".into())
    );
    assert_eq!(dry.rows[9].line, 11);
    assert!(matches!(&dry.rows[10].outcome, Outcome::Refused(m) if m.contains("bcrypt")));
    assert_eq!(table_counts(&env).await, before);
    assert_eq!(audit_count(&env.app, "account.import").await, 0);
    let hj = format!("HJ_{}", uscc(2));
    assert!(matches!(
        try_login(&env, LoginTab::Unit, &hj, LEGACY_PASSWORD).await,
        Err(AppError::LoginFailed)
    ));

    // The real run does what the dry run said: 6 accounts created, 3
    // linked to accounts already here, one audit record each.
    let real = import(&env, false).await;
    assert_eq!(counts(&real), counts(&dry));
    assert_eq!(real.refused(), 2);
    let after = table_counts(&env).await;
    assert_eq!(after, (before.0 + 2, before.1 + 4, 9));
    assert_eq!(audit_count(&env.app, "account.import").await, 9);

    // A second run changes nothing.
    let again = import(&env, false).await;
    assert_eq!(counts(&again), ([0; 4], [0; 4]));
    assert_eq!((again.already(), again.refused()), (9, 2));
    assert_eq!(table_counts(&env).await, after);
    assert_eq!(audit_count(&env.app, "account.import").await, 9);
}
both!(import_dry_run_counts_and_idempotence);

async fn stored_unit_hash(env: &TestEnv, key: &str) -> String {
    let mut c = env.app.db.read().await.unwrap();
    accounts::unit_by_uscc(&mut c, key)
        .await
        .unwrap()
        .unwrap()
        .password_hash
}

async fn stored_person_hash(env: &TestEnv, mobile: &str) -> String {
    let mut c = env.app.db.read().await.unwrap();
    let idx = env.app.pii.index("phone", mobile);
    accounts::person_by_phone_idx(&mut c, &idx)
        .await
        .unwrap()
        .unwrap()
        .password_hash
}

async fn imported_accounts_sign_in(env: TestEnv) {
    natives(&env).await;
    import(&env, false).await;

    // 第一种: the legacy bcrypt password signs in and is replaced by the
    // house hash; it keeps working afterwards.
    assert!(
        stored_unit_hash(&env, &uscc(10))
            .await
            .starts_with("$2b$04$")
    );
    try_login(&env, LoginTab::Unit, &uscc(10), LEGACY_PASSWORD)
        .await
        .unwrap();
    let upgraded = stored_unit_hash(&env, &uscc(10)).await;
    assert!(upgraded.starts_with("$pbkdf2-sm3$i="), "{upgraded}");
    try_login(&env, LoginTab::Unit, &uscc(10), LEGACY_PASSWORD)
        .await
        .unwrap();
    assert!(matches!(
        try_login(&env, LoginTab::Unit, &uscc(10), "Wrong#2019old").await,
        Err(AppError::LoginFailed)
    ));

    let mobile = phone(60_020);
    assert!(stored_person_hash(&env, &mobile).await.starts_with("$2b$"));
    try_login(&env, LoginTab::Person, &mobile, LEGACY_PASSWORD)
        .await
        .unwrap();
    assert!(
        stored_person_hash(&env, &mobile)
            .await
            .starts_with("$pbkdf2-sm3$")
    );

    // 第三种: HJ_ + USCC on the unit tab is the imported account; the USCC
    // itself stays the unit registered here, with its own password.
    let hj_unit = try_login(
        &env,
        LoginTab::Unit,
        &format!("HJ_{}", uscc(2)),
        LEGACY_PASSWORD,
    )
    .await
    .unwrap();
    let native = try_login(
        &env,
        LoginTab::Unit,
        &uscc(2),
        scigrant_app::testing::PASSWORD,
    )
    .await
    .unwrap();
    assert_ne!(hj_unit.account_id, native.account_id);
    assert!(matches!(
        try_login(&env, LoginTab::Unit, &uscc(2), LEGACY_PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    // HJ- + phone on the person tab, typed in either case; not on the unit tab.
    let hj_person = format!("HJ-{}", phone(50_002));
    let s = try_login(&env, LoginTab::Person, &hj_person, LEGACY_PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        s.kind,
        scigrant_domain::identity::account::AccountKind::Person
    );
    try_login(
        &env,
        LoginTab::Person,
        &hj_person.to_lowercase(),
        LEGACY_PASSWORD,
    )
    .await
    .unwrap();
    assert!(matches!(
        try_login(&env, LoginTab::Unit, &hj_person, LEGACY_PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    // The phone itself is still the person registered here.
    assert!(matches!(
        try_login(&env, LoginTab::Person, &phone(50_002), LEGACY_PASSWORD).await,
        Err(AppError::LoginFailed)
    ));

    // 第四种 (unit lookup): the USCC signs in on the person tab.
    let s = try_login(&env, LoginTab::Person, &uscc(11), LEGACY_PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        s.kind,
        scigrant_domain::identity::account::AccountKind::Person
    );

    // No hash: no password signs in, not even an empty one.
    for pw in ["", LEGACY_PASSWORD, scigrant_app::testing::PASSWORD] {
        assert!(matches!(
            try_login(&env, LoginTab::Person, &phone(60_040), pw).await,
            Err(AppError::LoginFailed)
        ));
    }
    assert_eq!(stored_person_hash(&env, &phone(60_040)).await, "");
}
both!(imported_accounts_sign_in);

async fn look_up(env: &TestEnv, lookup: Lookup, key: &str) -> LookupAnswer {
    let input = LookupInput {
        key: key.into(),
        captcha_id: new_captcha(env).await,
        captcha: "TEST".into(),
    };
    lookup_account(&env.app, &visitor(), lookup, &input)
        .await
        .unwrap()
}

fn answer(
    lookup: Lookup,
    imported: bool,
    case: Option<Case>,
    login: &str,
    tab: Option<LoginTab>,
) -> LookupAnswer {
    LookupAnswer {
        lookup,
        imported,
        case,
        login: login.into(),
        tab,
    }
}

async fn lookup_tells_each_case(env: TestEnv) {
    natives(&env).await;
    new_unit(&env, 4).await;
    new_person(&env, 3).await;
    import(&env, false).await;
    let (u, p) = (Lookup::Unit, Lookup::Person);
    let (unit_tab, person_tab) = (Some(LoginTab::Unit), Some(LoginTab::Person));

    // 企业: 已注册账号, the four cases.
    assert_eq!(
        look_up(&env, u, &uscc(10)).await,
        answer(u, true, Some(Case::First), &uscc(10), unit_tab)
    );
    assert_eq!(
        look_up(&env, u, &uscc(1).to_lowercase()).await,
        answer(u, true, Some(Case::Second), &uscc(1), unit_tab)
    );
    assert_eq!(
        look_up(&env, u, &uscc(2)).await,
        answer(
            u,
            true,
            Some(Case::Third),
            &format!("HJ_{}", uscc(2)),
            unit_tab
        )
    );
    assert_eq!(
        look_up(&env, u, &uscc(11)).await,
        answer(u, true, Some(Case::Fourth), &uscc(11), person_tab)
    );
    // 企业: 未注册账号, not registered here (第一种) or registered (第二种).
    assert_eq!(
        look_up(&env, u, &uscc(3)).await,
        answer(u, false, Some(Case::First), "", None)
    );
    assert_eq!(
        look_up(&env, u, &uscc(4)).await,
        answer(u, false, Some(Case::Second), &uscc(4), unit_tab)
    );

    // 个人: the four cases, the phone masked.
    assert_eq!(
        look_up(&env, p, &phone(60_020)).await,
        answer(p, true, Some(Case::First), "139****0020", person_tab)
    );
    assert_eq!(
        look_up(&env, p, &phone(50_001)).await,
        answer(p, true, Some(Case::Second), "139****0001", person_tab)
    );
    assert_eq!(
        look_up(&env, p, &phone(50_002)).await,
        answer(p, true, Some(Case::Third), "HJ-139****0002", person_tab)
    );
    assert_eq!(
        look_up(&env, p, &phone(60_030)).await,
        answer(p, true, Some(Case::Fourth), "", None)
    );
    // 未注册账号: the same answer for a phone registered here and one
    // nobody has, so the lookup tells nothing registration does not.
    let unknown = look_up(&env, p, &phone(70_000)).await;
    assert_eq!(unknown, answer(p, false, None, "", None));
    assert_eq!(look_up(&env, p, &phone(50_003)).await, unknown);

    // Each lookup is audited, without the key.
    assert_eq!(audit_count(&env.app, "account.lookup").await, 12);

    // A wrong captcha is refused before anything is looked up; a key of
    // the wrong shape is an error beside the field.
    let wrong = lookup_account(
        &env.app,
        &visitor(),
        p,
        &LookupInput {
            key: phone(60_020),
            captcha_id: new_captcha(&env).await,
            captcha: "NOPE".into(),
        },
    )
    .await;
    assert!(matches!(wrong, Err(AppError::Validation(e)) if e.get("captcha").is_some()));
    let bad = lookup_account(
        &env.app,
        &visitor(),
        u,
        &LookupInput {
            key: "12345".into(),
            captcha_id: new_captcha(&env).await,
            captcha: "TEST".into(),
        },
    )
    .await;
    assert!(matches!(bad, Err(AppError::Validation(e))
        if e.get("key") == Some("请输入正确的统一社会信用代码")));
    assert_eq!(audit_count(&env.app, "account.lookup").await, 12);
}
both!(lookup_tells_each_case);

/// The same accounts from an .xlsx workbook decide the same way.
async fn import_reads_xlsx(env: TestEnv) {
    natives(&env).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in legacy_csv().lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let r = import_accounts(&env.app, &Actor::system(), "accounts.xlsx", &bytes, true)
        .await
        .unwrap();
    assert_eq!(counts(&r), ([1, 1, 1, 1], [2, 1, 1, 1]));
    assert_eq!(r.refused(), 2);
}
both!(import_reads_xlsx);

/// An account imported without a hash opens through 登录名重置密码 with
/// its reserved phone; an HJ- account resets under its HJ- login name.
async fn imported_accounts_recover_their_password(env: TestEnv) {
    natives(&env).await;
    import(&env, false).await;
    let login = phone(60_040);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    reset(&env, &f, &code).await.unwrap();
    try_login(&env, LoginTab::Person, &login, NEW_PASSWORD)
        .await
        .unwrap();

    let hj = format!("HJ-{}", phone(50_002));
    let f = step_two(&env, LoginTab::Person, &hj, &phone(50_002)).await;
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    reset(&env, &f, &code).await.unwrap();
    try_login(&env, LoginTab::Person, &hj, NEW_PASSWORD)
        .await
        .unwrap();
    // The person registered here with that phone keeps their own password.
    try_login(
        &env,
        LoginTab::Person,
        &phone(50_002),
        scigrant_app::testing::PASSWORD,
    )
    .await
    .unwrap();
}
both!(imported_accounts_recover_their_password);

/// 第四种 (unit lookup), after 实名认证: "认证完成后，该账号自动获得了该企业
/// 的…业务系统授权". The imported person signs in with the unit's USCC,
/// saves 我的信息 (no provider: 待人工审核), a reviewer approves, and the
/// unit holding the code has authorised them for 科技项目申报 and 项目管理
/// for three years, by 系统, told to the person; the person can act for
/// the unit at once. An ordinary person's verification grants nothing.
async fn fourth_case_is_authorised_by_its_unit_after_realname(env: TestEnv) {
    use scigrant_app::identity::delegation::unit_delegations;
    use scigrant_app::identity::realname::person::{PersonInfoForm, person_info, save_person_info};
    use scigrant_app::identity::realname::review::decide_realname;
    use scigrant_app::identity::review::{Verdict, review_unit};
    use scigrant_app::testing::{person_actor, staff_actor};
    use scigrant_domain::identity::account::AccountKind;
    use scigrant_domain::identity::delegation::{Standing, end_date, longest_end};
    use scigrant_domain::ids::PersonId;

    natives(&env).await;
    let unit = new_unit(&env, 11).await;
    let r = super::reviewer(&env).await;
    review_unit(&env.app, &r, unit, &Verdict::Approve)
        .await
        .unwrap();
    import(&env, false).await;
    let mut c = env.app.db.read().await.unwrap();
    let heir = scigrant_store::identity::legacy::person_by_login_name(&mut c, &uscc(11))
        .await
        .unwrap()
        .expect("the 第四种 account");
    drop(c);
    let heir = PersonId(heir.id);
    let form = |n: u32, name: &str| PersonInfoForm {
        name: name.into(),
        gender: "男".into(),
        nation: "藏族".into(),
        post: "经理".into(),
        email: format!("p{n}@example.cn"),
        tel: String::new(),
        doc_type: "mainland_id".into(),
        doc_no: id_number(n),
        doc_valid_until: "2030-01-31".into(),
        address: "拉萨市城关区金珠西路1号".into(),
    };
    let grants_before = audit_count(&env.app, "delegation.grant").await;
    let ordinary = super::new_person(&env, 3).await;
    for (who, n, name) in [(heir, 11, "次仁"), (ordinary, 3, "张三")] {
        save_person_info(&env.app, &person_actor(who.0), who, &form(n, name))
            .await
            .unwrap();
        decide_realname(
            &env.app,
            &staff_actor(7),
            AccountKind::Person,
            who.0,
            true,
            "",
        )
        .await
        .unwrap();
    }
    assert!(
        person_info(&env.app, ordinary)
            .await
            .unwrap()
            .delegations
            .is_empty()
    );

    let list = unit_delegations(&env.app, unit).await.unwrap();
    assert_eq!(list.len(), 1, "one authorisation, the heir's only");
    let d = &list[0];
    assert_eq!(d.person_name, "次仁");
    assert_eq!(d.services_label, "科技项目申报、项目管理");
    assert_eq!(d.ends_on, end_date(longest_end(env.app.now())));
    assert_eq!(d.standing, Standing::Active);
    let mine = person_info(&env.app, heir).await.unwrap().delegations;
    assert_eq!(mine.len(), 1);
    assert!(mine[0].usable, "the heir may act for the unit at once");
    assert_eq!(
        audit_count(&env.app, "delegation.grant").await,
        grants_before + 1
    );
    let told = scigrant_app::notify::recent(&env.app, 50).await.unwrap();
    let granted = format!(
        "授权您代办：科技项目申报、项目管理，截止{}。",
        end_date(longest_end(env.app.now()))
    );
    assert_eq!(
        told.iter().filter(|m| m.body.contains(&granted)).count(),
        2,
        "the heir is told of the authorisation by SMS and by e-mail"
    );
}
both!(fourth_case_is_authorised_by_its_unit_after_realname);
