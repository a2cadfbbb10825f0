//! 门户 content on both databases: an editor writes, a different reviewer
//! approves before anything is public (self-approval refused), scheduled
//! publication by the clock, withdrawal (off the portal, out of search and
//! its attachments gone at once), versions, and attachments checked by
//! content and name.

use scigrant_app::portal::content::{
    ArticleForm, create_article, review_article, save_article, staff_article, submit_article,
    withdraw_article,
};
use scigrant_app::portal::public::{portal_home, public_article, public_attachment, section_page};
use scigrant_app::portal::search::{SearchForm, search_articles};
use scigrant_app::testing::{PASSWORD, TestEnv, audit_count, pdf, staff_with_password, upload};
use scigrant_app::{Actor, AppError};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::portal::article::{ATTACHMENT_KINDS, ATTACHMENT_MAX, ArticleState, Section};
use scigrant_domain::upload::FileKind;
use tokio::io::AsyncReadExt;

use super::refusal_of;

const TITLE: &str = "关于征求定日6.8级地震应急攻关项目申报指南意见的通知";

async fn staff(env: &TestEnv, login: &str, name: &str, role: StaffRole) -> Actor {
    let id = staff_with_password(&env.app, login, name, role, PASSWORD).await;
    Actor {
        kind: Some(AccountKind::Staff),
        id: Some(id),
        label: name.into(),
        ip: "127.0.0.1".into(),
        request_id: "test".into(),
        on_behalf: None,
    }
}

fn form(title: &str) -> ArticleForm {
    ArticleForm {
        section: "tzgg".into(),
        title: title.into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "各有关单位：\n\n现就**定日地震应急攻关**项目申报指南征求意见。".into(),
        important: true,
        ..ArticleForm::default()
    }
}

fn search(q: &str) -> SearchForm {
    SearchForm {
        q: q.into(),
        ..SearchForm::default()
    }
}

async fn found(env: &TestEnv, q: &str) -> Vec<String> {
    let page = search_articles(&env.app, &search(q)).await.unwrap().page;
    page.rows
        .iter()
        .map(|h| h.title.iter().map(|p| p.text.as_str()).collect())
        .collect()
}

async fn articles_are_public_only_after_review(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let guide = upload(
        &env.app,
        FileKind::Pdf,
        ATTACHMENT_MAX,
        "指南.pdf",
        &pdf(3000),
    )
    .await;
    let id = create_article(&env.app, &editor, &form(TITLE), &[guide])
        .await
        .unwrap();
    assert!(matches!(
        public_article(&env.app, id).await,
        Err(AppError::NotFound)
    ));
    submit_article(&env.app, &editor, id).await.unwrap();
    // Nobody approves their own text.
    assert_eq!(
        refusal_of(review_article(&env.app, &editor, id, true, "").await),
        "不能审核自己编辑的文章，请由其他内容审核人员审核"
    );
    let home = portal_home(&env.app).await.unwrap();
    assert!(home.important.is_empty());
    assert!(home.tabs.iter().all(|(_, lines)| lines.is_empty()));
    assert!(found(&env, "地震").await.is_empty());

    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    let shown = public_article(&env.app, id).await.unwrap();
    assert_eq!(shown.line.title, TITLE);
    assert_eq!(shown.line.publish_at, Some(env.app.now()));
    assert!(
        shown
            .body_html
            .contains("<strong>定日地震应急攻关</strong>"),
        "{}",
        shown.body_html
    );
    let home = portal_home(&env.app).await.unwrap();
    assert_eq!(home.important.len(), 1);
    let (section, lines) = &home.tabs[0];
    assert_eq!(*section, Section::Notices);
    assert_eq!(lines[0].title, TITLE);
    assert!(home.tabs[1].1.is_empty());
    let page = &section_page(&env.app, Section::Notices, 1)
        .await
        .unwrap()
        .page;
    assert_eq!(page.total, 1);
    assert_eq!(found(&env, "地震 应急").await, vec![TITLE.to_string()]);
    assert!(found(&env, "地震 水稻").await.is_empty());

    let file = shown.attachments[0].id;
    assert_eq!(shown.attachments[0].name, "指南.pdf");
    let mut d = public_attachment(&env.app, id, file).await.unwrap();
    let mut bytes = Vec::new();
    d.content.read_to_end(&mut bytes).await.unwrap();
    assert_eq!(bytes, pdf(3000));

    // A returned article needs a reason and goes back to the editor.
    let other = create_article(&env.app, &editor, &form("常见问答一"), &[])
        .await
        .unwrap();
    submit_article(&env.app, &editor, other).await.unwrap();
    let e = match review_article(&env.app, &reviewer, other, false, " ").await {
        Err(AppError::Validation(e)) => e,
        r => panic!("{r:?}"),
    };
    assert_eq!(e.get("reason"), Some("请填写退回理由"));
    review_article(&env.app, &reviewer, other, false, "请补充联系方式")
        .await
        .unwrap();
    let (a, _) = staff_article(&env.app, other).await.unwrap();
    assert_eq!(a.line.state, ArticleState::Returned);
    assert_eq!(a.return_reason, "请补充联系方式");

    assert_eq!(audit_count(&env.app, "article.create").await, 2);
    assert_eq!(audit_count(&env.app, "article.submit").await, 2);
    assert_eq!(audit_count(&env.app, "article.approve").await, 1);
    assert_eq!(audit_count(&env.app, "article.return").await, 1);
}
both!(articles_are_public_only_after_review);

async fn scheduled_articles_appear_at_their_time(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let mut f = form(TITLE);
    f.publish_at = "2023-04-21 09:00".into();
    let at = parse_moment("2023-04-21 09:00", DayPart::Start).unwrap();
    let id = create_article(&env.app, &editor, &f, &[]).await.unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    env.clock.set(at - 1000);
    assert!(matches!(
        public_article(&env.app, id).await,
        Err(AppError::NotFound)
    ));
    assert!(found(&env, "地震").await.is_empty());
    assert!(portal_home(&env.app).await.unwrap().important.is_empty());
    env.clock.set(at);
    assert_eq!(
        public_article(&env.app, id).await.unwrap().line.publish_at,
        Some(at)
    );
    assert_eq!(found(&env, "地震").await.len(), 1);

    // A time already past when approved publishes on approval.
    let mut late = form("过期的时间");
    late.publish_at = "2023-04-01".into();
    let id2 = create_article(&env.app, &editor, &late, &[]).await.unwrap();
    submit_article(&env.app, &editor, id2).await.unwrap();
    review_article(&env.app, &reviewer, id2, true, "")
        .await
        .unwrap();
    assert_eq!(
        public_article(&env.app, id2).await.unwrap().line.publish_at,
        Some(at)
    );
    let e = match create_article(
        &env.app,
        &editor,
        &ArticleForm {
            publish_at: "明天".into(),
            ..form("x")
        },
        &[],
    )
    .await
    {
        Err(AppError::Validation(e)) => e,
        r => panic!("{r:?}"),
    };
    assert_eq!(
        e.get("publish_at"),
        Some("发布时间格式应为 2026-07-01 或 2026-07-01 09:00")
    );
}
both!(scheduled_articles_appear_at_their_time);

async fn withdrawal_is_immediate_and_versions_are_kept(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let file = upload(&env.app, FileKind::Pdf, ATTACHMENT_MAX, "a.pdf", &pdf(100)).await;
    let id = create_article(&env.app, &editor, &form(TITLE), &[file])
        .await
        .unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    let file = public_article(&env.app, id).await.unwrap().attachments[0].id;
    assert_eq!(found(&env, "地震").await.len(), 1);
    // Published text cannot be edited in place.
    assert_eq!(
        refusal_of(save_article(&env.app, &editor, id, &form("新标题"), &[]).await),
        "待审核或已发布的文章不能修改；已发布的文章请先撤回"
    );

    withdraw_article(&env.app, &reviewer, id, "内容有误")
        .await
        .unwrap();
    assert!(matches!(
        public_article(&env.app, id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        public_attachment(&env.app, id, file).await,
        Err(AppError::NotFound)
    ));
    assert!(found(&env, "地震").await.is_empty());
    assert!(portal_home(&env.app).await.unwrap().tabs[0].1.is_empty());
    assert_eq!(
        refusal_of(withdraw_article(&env.app, &reviewer, id, "").await),
        "只有已发布的文章可以撤回"
    );

    let v = save_article(
        &env.app,
        &editor,
        id,
        &form("关于地震应急攻关指南的更正通知"),
        &[],
    )
    .await
    .unwrap();
    assert_eq!(v, 2);
    let (a, versions) = staff_article(&env.app, id).await.unwrap();
    assert_eq!(a.line.state, ArticleState::Draft);
    let titles: Vec<(i64, &str, &str)> = versions
        .iter()
        .map(|v| (v.version, v.title.as_str(), v.saved_by.as_str()))
        .collect();
    assert_eq!(
        titles,
        vec![
            (2, "关于地震应急攻关指南的更正通知", "编辑甲"),
            (1, TITLE, "编辑甲"),
        ]
    );
    submit_article(&env.app, &editor, id).await.unwrap();
    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    assert_eq!(
        found(&env, "更正").await,
        vec!["关于地震应急攻关指南的更正通知".to_string()]
    );
    assert_eq!(audit_count(&env.app, "article.withdraw").await, 1);
    assert_eq!(audit_count(&env.app, "article.save").await, 1);
}
both!(withdrawal_is_immediate_and_versions_are_kept);

async fn attachments_are_checked_by_content_and_name(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    // An executable is refused while it streams.
    let mut u = env
        .app
        .files
        .begin_any(&ATTACHMENT_KINDS, ATTACHMENT_MAX)
        .await
        .unwrap();
    let err = u.write(b"MZ\x90\x00 this program").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "文件格式不正确，请上传PDF或Word/Excel/WPS或DOCX/XLSX/ZIP格式的文件"
    );
    // Word (OLE2) and .docx (ZIP) pass; a ZIP named .pdf does not.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(600, 0);
    let mut zip = b"PK\x03\x04".to_vec();
    zip.resize(300, 0);
    let doc = upload(&env.app, FileKind::Ole2, ATTACHMENT_MAX, "申报书.doc", &ole).await;
    let docx = upload(&env.app, FileKind::Zip, ATTACHMENT_MAX, "模板.docx", &zip).await;
    let fake = upload(&env.app, FileKind::Zip, ATTACHMENT_MAX, "指南.pdf", &zip).await;
    let e = match create_article(&env.app, &editor, &form(TITLE), &[fake]).await {
        Err(AppError::Validation(e)) => e,
        r => panic!("{r:?}"),
    };
    assert_eq!(
        e.get("attachments"),
        Some("附件《指南.pdf》的文件名与内容不符（内容为DOCX/XLSX/ZIP）")
    );
    let id = create_article(&env.app, &editor, &form(TITLE), &[doc, docx])
        .await
        .unwrap();
    let (a, _) = staff_article(&env.app, id).await.unwrap();
    let kinds: Vec<(&str, Option<FileKind>)> = a
        .attachments
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("申报书.doc", Some(FileKind::Ole2)),
            ("模板.docx", Some(FileKind::Zip))
        ]
    );
}
both!(attachments_are_checked_by_content_and_name);

async fn hostile_markup_is_cleaned_before_storage(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let mut f = form("<script>alert('标题')</script>");
    f.body = "正文<script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)></svg>\n\n[链接](javascript:alert(1)) <a href=\"data:text/html,<script>alert(1)</script>\">d</a> <p onclick=\"alert(1)\">段落</p>".into();
    let id = create_article(&env.app, &editor, &f, &[]).await.unwrap();
    let (a, _) = staff_article(&env.app, id).await.unwrap();
    let html = a.body_html.to_ascii_lowercase();
    for bad in [
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "data:",
        "<svg",
        "<img",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(a.body_html.contains("段落"));
    // The title is text: kept as typed, escaped wherever it is shown.
    assert_eq!(a.line.title, "<script>alert('标题')</script>");
}
both!(hostile_markup_is_cleaned_before_storage);

/// The public pages' content is kept a second per node (`portal::cache`):
/// a change shows at once on the node that made it, within the second on
/// another node, and a node's clock moving (a scheduled article's time)
/// is never hidden by what it kept.
async fn a_change_shows_at_once_here_and_within_a_second_on_another_node(env: TestEnv) {
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let other = scigrant_app::App::open(
        (*env.app.config).clone(),
        std::sync::Arc::new(env.clock.clone()),
    )
    .await
    .expect("open the second node");
    let titles = |home: &scigrant_app::portal::public::PortalHome| -> Vec<String> {
        home.tabs[0].1.iter().map(|l| l.title.clone()).collect()
    };
    // Both nodes read (and keep) the empty home page.
    assert!(titles(&portal_home(&env.app).await.unwrap()).is_empty());
    assert!(titles(&portal_home(&other).await.unwrap()).is_empty());
    let id = create_article(&env.app, &editor, &form(TITLE), &[])
        .await
        .unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    // Here: at once, on the home page, the section's list and the article.
    assert_eq!(titles(&portal_home(&env.app).await.unwrap()), [TITLE]);
    let listed = section_page(&env.app, Section::Notices, 1).await.unwrap();
    assert_eq!(listed.page.total, 1);
    // The other node still serves what it read, for at most a second.
    let kept = titles(&portal_home(&other).await.unwrap());
    tokio::time::sleep(scigrant_app::portal::cache::LIFETIME).await;
    assert_eq!(
        titles(&portal_home(&other).await.unwrap()),
        [TITLE],
        "was {kept:?}"
    );
    // Withdrawn here: gone here at once, there within the second.
    withdraw_article(&env.app, &reviewer, id, "内容有误")
        .await
        .unwrap();
    assert!(titles(&portal_home(&env.app).await.unwrap()).is_empty());
    tokio::time::sleep(scigrant_app::portal::cache::LIFETIME).await;
    assert!(titles(&portal_home(&other).await.unwrap()).is_empty());

    // Scheduled: not on the home page a minute before its time, on it at
    // its time, though the home page was kept in between.
    let mut later = form("关于2026年度科技计划项目申报的通知");
    later.publish_at = "2023-04-21 09:00".into();
    let at = parse_moment("2023-04-21 09:00", DayPart::Start).unwrap();
    let id = create_article(&env.app, &editor, &later, &[])
        .await
        .unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    review_article(&env.app, &reviewer, id, true, "")
        .await
        .unwrap();
    env.clock.set(at - 60_000);
    assert!(titles(&portal_home(&env.app).await.unwrap()).is_empty());
    env.clock.set(at);
    assert_eq!(
        titles(&portal_home(&env.app).await.unwrap()),
        ["关于2026年度科技计划项目申报的通知"]
    );
}
both!(a_change_shows_at_once_here_and_within_a_second_on_another_node);

/// A search ranks at most `terms::CANDIDATES` articles: the newest holding
/// its rarest word. A word in more articles than that is ranked among the
/// newest and the page says so; a query with a rarer word is exact.
async fn a_search_of_a_common_word_ranks_the_newest_and_says_so(env: TestEnv) {
    use scigrant_app::testing::bulk::{BulkArticle, publish_in_bulk};
    use scigrant_store::portal::terms::CANDIDATES;
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let n = CANDIDATES + 5;
    let batch: Vec<BulkArticle> = (0..n)
        .map(|i| BulkArticle {
            section: Section::Notices,
            title: format!("通知{i}"),
            publisher: "科技厅".into(),
            body_md: "项目".into(),
            body_html: "<p>项目</p>".into(),
            important: false,
            terms: if i % 500 == 7 {
                vec![("项目".into(), 1), ("地震".into(), 3)]
            } else {
                vec![("项目".into(), 1)]
            },
            publish_at: env.app.now() - 10_000 + i,
        })
        .collect();
    let ids = publish_in_bulk(&env.app, editor.id.unwrap_or_default(), &batch).await;
    let common = search_articles(&env.app, &search("项目")).await.unwrap();
    assert_eq!(common.capped, Some(CANDIDATES));
    assert_eq!(common.page.total, CANDIDATES);
    // The newest first among equal scores: the last written.
    assert_eq!(common.page.rows[0].id.0, ids[ids.len() - 1]);
    let rare = search_articles(&env.app, &search("项目 地震"))
        .await
        .unwrap();
    assert_eq!(rare.capped, None);
    let expected: Vec<i64> = (0..n).filter(|i| i % 500 == 7).collect();
    assert_eq!(rare.page.total, expected.len() as i64);
    assert_eq!(
        rare.page.rows.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        expected
            .iter()
            .rev()
            .map(|&i| ids[i as usize])
            .collect::<Vec<_>>()
    );
}
both!(a_search_of_a_common_word_ranks_the_newest_and_says_so);
