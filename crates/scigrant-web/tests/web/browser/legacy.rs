//! 火炬中心业务办理平台用户转移 in Chromium: after an import with one account
//! of each of the seed's four cases per lookup, a returning user opens
//! （个人/企业）账号检索 from the login page and reads, for each case, which
//! case it is, the login name (a phone only masked) and the login tab; then
//! the person imported as HJ- + phone goes to that tab and signs in with
//! the predecessor's password.

use scigrant_app::Actor;
use scigrant_app::identity::legacy::import::import_accounts;
use scigrant_app::testing::{ApprovedMember, Backend, id_number, legacy_hash, phone, uscc};
use scigrant_domain::mask::mask_phone;

use super::{Session, start};

const LEGACY_PASSWORD: &str = "Huoju#2019old";
const UNIT_TAB: &str = "企业用户登录（法人登录）";
const PERSON_TAB: &str = "个人用户登录（自然人登录）";

/// One 账号检索 through the page: (heading, login name shown, tab shown,
/// the explanation).
async fn look_up(s: &Session, tab: &str, key: &str) -> (String, String, String, String) {
    s.go(&format!("/account/lookup?tab={tab}")).await;
    s.fill("key", key).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_path("/account/lookup").await;
    let heading = s.text("#lookup-case").await;
    let (login, shown_tab) = if s.exists("#lookup-login").await {
        (s.text("#lookup-login").await, s.text("#lookup-tab").await)
    } else {
        (String::new(), String::new())
    };
    (heading, login, shown_tab, s.text("#lookup-text").await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_lookup_of_each_case_of_an_imported_account_then_login() {
    let s = start(Backend::Sqlite).await;
    let one = ApprovedMember::builder(1).build(&s.env.app).await;
    let two = ApprovedMember::builder(2).build(&s.env.app).await;
    let h = legacy_hash(LEGACY_PASSWORD);
    let rows = [
        "类型,登录名,单位名称,统一社会信用代码,姓名,证件号码,手机号,电子邮箱,密码哈希".to_string(),
        format!("unit,,拉萨火炬科技有限公司,{},顿珠,,,,{h}", uscc(10)),
        format!("unit,{},西藏高原科学研究所,{},,,,,", one.uscc, one.uscc),
        format!("unit,,日喀则高新材料有限公司,{},,,,,{h}", two.uscc),
        format!("person,{},,,次仁,,{},,{h}", uscc(11), phone(60_011)),
        format!("person,,,,白玛,,{},,{h}", phone(60_020)),
        format!("person,,,,张三,,{},,", one.phone),
        format!("person,,,,李四,,{},,{h}", two.phone),
        format!("person,,,,张三,{},{},,{h}", id_number(1), phone(60_030)),
    ];
    let csv = rows.join("\n") + "\n";
    let report = import_accounts(
        &s.env.app,
        &Actor::system(),
        "accounts.csv",
        csv.as_bytes(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.rows.len(), 8, "{:?}", report.rows);

    s.go("/login").await;
    s.click_to("#account-lookup", "/account/lookup").await;

    // 企业账号 by 统一社会信用代码, then 个人账号 by 手机号 (the login shows
    // the phone masked): (检索 tab, key, heading, login name, login tab,
    // part of the explanation).
    let c = |n: &str| format!("已注册账号 · 第{n}种");
    let cases = [
        (
            "unit",
            uscc(10),
            c("一"),
            uscc(10),
            UNIT_TAB,
            "继续使用原火炬中心用户名（统一社会信用代码）和密码",
        ),
        (
            "unit",
            one.uscc.clone(),
            c("二"),
            one.uscc.clone(),
            UNIT_TAB,
            "密码通过忘记密码找回",
        ),
        (
            "unit",
            two.uscc.clone(),
            c("三"),
            format!("HJ_{}", two.uscc),
            UNIT_TAB,
            "登录名为“HJ_”加原火炬中心用户名",
        ),
        (
            "unit",
            uscc(11),
            c("四"),
            uscc(11),
            PERSON_TAB,
            "该账号自动获得了该单位的科技项目申报和项目管理授权",
        ),
        (
            "person",
            phone(60_020),
            c("一"),
            mask_phone(&phone(60_020)),
            PERSON_TAB,
            "用原账号密码登录",
        ),
        (
            "person",
            one.phone.clone(),
            c("二"),
            mask_phone(&one.phone),
            PERSON_TAB,
            "且登录名为手机号",
        ),
        (
            "person",
            two.phone.clone(),
            c("三"),
            format!("HJ-{}", mask_phone(&two.phone)),
            PERSON_TAB,
            "登录名为“HJ-”加原火炬中心用户名",
        ),
        (
            "person",
            phone(60_030),
            c("四"),
            String::new(),
            "",
            "需要通过自然人申诉找回密码",
        ),
    ];
    for (by, key, case, login, tab, says) in cases {
        let (h, l, t, text) = look_up(&s, by, &key).await;
        assert_eq!((h, l, t.as_str()), (case, login, tab), "{key}");
        assert!(text.contains(says), "{key}: {text}");
    }
    assert!(
        s.exists("a[href='/password/forgot']").await,
        "第四种 leads to 自然人申诉找回密码"
    );

    // 第三种: to the tab it names, with the predecessor's password.
    look_up(&s, "person", &two.phone).await;
    s.click_to("#lookup-go", "/login?tab=person").await;
    s.fill("login", &format!("HJ-{}", two.phone)).await;
    s.fill("password", LEGACY_PASSWORD).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_path("/person").await;
    s.done().await;
}
