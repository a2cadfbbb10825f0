//! 征求意见 on a draft guide, on both databases: staff open a period on a
//! published 申报指南 with its sections; comments are taken from the
//! opening second to the closing second and refused outside it, each with
//! the captcha (taken even when other fields are wrong); the phone is
//! sealed and shown masked; staff mark and answer comments, export them
//! (masked) and close with a 处理情况说明 that the portal then shows with
//! the counts per state. A consultation for signed-in users refuses
//! visitors.

use scigrant_app::portal::consultation::public::{
    CommentForm, comment, guide_article, public_consultation, public_consultations,
};
use scigrant_app::portal::consultation::staff::{
    OpenForm, close_consultation, consultations, export_comments, handle_comment,
    open_consultation, staff_consultation,
};
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{
    PASSWORD, TestEnv, audit_count, captcha_count, person_actor, staff_with_password, visitor,
};
use scigrant_app::{Actor, AppError, FieldErrors};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::consultation::{CommentState, Phase};

use super::{new_captcha, refusal_of};

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

/// A published 申报指南 (征求意见稿).
async fn guide(env: &TestEnv, editor: &Actor, reviewer: &Actor, title: &str) -> ArticleId {
    let form = ArticleForm {
        section: "sbzn".into(),
        title: title.into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "## 一、总体目标\n\n聚焦定日地震灾后恢复重建。\n\n## 二、申报方向\n\n……".into(),
        ..ArticleForm::default()
    };
    let id = create_article(&env.app, editor, &form, &[]).await.unwrap();
    submit_article(&env.app, editor, id).await.unwrap();
    review_article(&env.app, reviewer, id, true, "")
        .await
        .unwrap();
    id
}

fn at(s: &str) -> i64 {
    parse_moment(s, DayPart::Start).unwrap()
}

fn errors(r: Result<impl std::fmt::Debug, AppError>) -> FieldErrors {
    match r {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn form(env: &TestEnv, section: &str, body: &str, phone: &str) -> CommentForm {
    CommentForm {
        section: section.into(),
        body: body.into(),
        name: "次仁".into(),
        unit: "西藏大学".into(),
        phone: phone.into(),
        captcha_id: new_captcha(env).await,
        captcha: "TEST".into(),
    }
}

async fn comments_through_the_period_to_the_final_summary(env: TestEnv) {
    let app = &env.app;
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let article = guide(&env, &editor, &reviewer, TITLE).await;

    // Opening: the period, the sections and the guide are checked.
    let bad = errors(
        open_consultation(
            app,
            &editor,
            &OpenForm {
                article: article.to_string(),
                opens: "2023-04-25".into(),
                closes: "2023-04-21".into(),
                anonymous: true,
                sections: " \n".into(),
            },
        )
        .await,
    );
    assert_eq!(bad.get("closes"), Some("截止时间应晚于开始时间"));
    assert_eq!(bad.get("sections"), Some("请填写指南的章节标题，每行一个"));
    let open = OpenForm {
        article: article.to_string(),
        opens: "2023-04-21 09:00".into(),
        closes: "2023-04-25".into(),
        anonymous: true,
        sections: "一、总体目标\n二、申报方向\n\n三、申报要求\n".into(),
    };
    let id = open_consultation(app, &editor, &open).await.unwrap();
    assert_eq!(
        errors(open_consultation(app, &editor, &open).await).get("article"),
        Some("该申报指南已发起过征求意见")
    );
    let (lines, guides) = consultations(app).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert!(guides.is_empty(), "the guide has its consultation");
    let opens_at = at("2023-04-21 09:00");
    let closes_at = parse_moment("2023-04-25", DayPart::End).unwrap();

    // Before it opens nothing is shown and nothing taken.
    env.clock.set(opens_at - 1000);
    assert!(matches!(
        public_consultation(app, id).await,
        Err(AppError::NotFound)
    ));
    assert!(public_consultations(app).await.unwrap().is_empty());
    assert!(guide_article(app, article).await.unwrap().1.is_none());
    let early = form(&env, "1", "建议增加次生灾害监测方向。", "13912345678").await;
    assert!(matches!(
        comment(app, &visitor(), id, &early).await,
        Err(AppError::NotFound)
    ));

    // From the opening second: open, and the guide's page says so.
    env.clock.set(opens_at);
    let (_, shown) = guide_article(app, article).await.unwrap();
    let shown = shown.unwrap();
    assert_eq!(shown.phase, Phase::Open);
    assert_eq!(shown.closes_at, closes_at);
    assert_eq!(shown.sections[2], "三、申报要求");
    assert!(
        close_consultation(app, &editor, id, "提前结束")
            .await
            .is_err()
    );

    // Without the captcha: refused beside it, the rest checked too.
    let mut no_captcha = form(&env, "1", "建议增加次生灾害监测方向。", "13912345678").await;
    no_captcha.captcha.clear();
    let e = errors(comment(app, &visitor(), id, &no_captcha).await);
    assert_eq!(
        e.get("captcha"),
        Some("图形验证码不正确或已过期，请重新输入")
    );
    assert_eq!(e.0.len(), 1);
    // Bad fields: each named, and the captcha is spent all the same.
    let mut bad = form(&env, "4", &"长".repeat(1001), "1391234").await;
    bad.name = " ".into();
    let before = captcha_count(app).await;
    let e = errors(comment(app, &visitor(), id, &bad).await);
    assert_eq!(e.get("section"), Some("请选择意见针对的指南章节"));
    assert_eq!(e.get("body"), Some("意见内容不能超过1000字（当前1001字）"));
    assert_eq!(e.get("phone"), Some("手机号码格式不正确"));
    assert!(e.get("name").is_some());
    assert_eq!(e.get("captcha"), None);
    assert_eq!(captcha_count(app).await, before - 1);

    let first = comment(
        app,
        &visitor(),
        id,
        &form(&env, "1", "建议增加次生灾害监测方向。", "13912345678").await,
    )
    .await
    .unwrap();

    // Sealed at rest, masked on screen.
    let mut c = app.db.read().await.unwrap();
    let (enc, masked): (Vec<u8>, String) = scigrant_store::sqlx::query_as(
        "SELECT phone_enc, phone_masked FROM consultation_comments WHERE id = $1",
    )
    .bind(first)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    drop(c);
    assert_eq!(masked, "139****5678");
    assert!(!enc.windows(11).any(|w| w == b"13912345678"));
    let at = scigrant_store::pii::SealedColumn::COMMENT_PHONE.row(first);
    assert_eq!(app.pii.open_at(at, &enc).unwrap(), "13912345678");

    // The closing second still counts; the next does not.
    env.clock.set(closes_at);
    let second = comment(
        app,
        &person_actor(7),
        id,
        &form(&env, "2", "申报方向二的经费上限建议提高。", "13800001111").await,
    )
    .await
    .unwrap();
    env.clock.set(closes_at + 1000);
    let late = form(&env, "2", "再补充一条。", "13800001111").await;
    assert_eq!(
        refusal_of(comment(app, &visitor(), id, &late).await),
        "征求意见已于 2023-04-25 23:59:59 截止，不再受理意见"
    );

    // Staff see the comments per section, masked.
    let (k, sections) = staff_consultation(app, id).await.unwrap();
    assert_eq!(k.phase, Phase::Handling);
    let counts: Vec<usize> = sections.iter().map(|s| s.comments.len()).collect();
    assert_eq!(counts, vec![1, 1, 0]);
    assert_eq!(sections[0].comments[0].phone_masked, "139****5678");
    assert_eq!(sections[0].comments[0].state, CommentState::Pending);

    // Closing waits for every comment to be handled.
    assert_eq!(
        refusal_of(close_consultation(app, &editor, id, "已研究处理。").await),
        "尚有 2 条意见未处理，请处理后再结束"
    );
    let e = errors(handle_comment(app, &editor, first, "pending", "").await);
    assert_eq!(e.get("state"), Some("请选择处理结果"));
    let e = errors(handle_comment(app, &editor, second, "not_adopted", " ").await);
    assert_eq!(
        e.get("reply"),
        Some("请填写处理意见（采纳以外的处理须说明理由）")
    );
    assert_eq!(
        handle_comment(app, &editor, first, "adopted", "")
            .await
            .unwrap(),
        id
    );
    handle_comment(
        app,
        &editor,
        second,
        "partly",
        "经费上限按专项资金管理办法执行，申报方向表述已调整。",
    )
    .await
    .unwrap();

    // The export says what the screen says, phones masked.
    let (title, bytes) = export_comments(app, &editor, id).await.unwrap();
    assert_eq!(title, TITLE);
    let text = xlsx_text(&bytes);
    for s in [
        "指南章节",
        "一、总体目标",
        "建议增加次生灾害监测方向。",
        "139****5678",
        "部分采纳",
        "编辑甲",
    ] {
        assert!(text.contains(s), "{s} in {text}");
    }
    assert!(!text.contains("13912345678"));

    // Closed with the 说明: the portal shows the summary.
    let e = errors(close_consultation(app, &editor, id, "  ").await);
    assert_eq!(e.get("explanation"), Some("请输入处理情况说明"));
    close_consultation(
        app,
        &editor,
        id,
        "共收到意见2条，采纳1条，部分采纳1条。\n修改后的指南另行发布。",
    )
    .await
    .unwrap();
    assert_eq!(
        refusal_of(close_consultation(app, &editor, id, "再次结束").await),
        "该征求意见已结束"
    );
    assert_eq!(
        refusal_of(handle_comment(app, &editor, first, "answered", "改判").await),
        "征求意见已结束，意见处理结果不能再修改"
    );
    let k = public_consultation(app, id).await.unwrap();
    assert_eq!(k.phase, Phase::Closed);
    assert_eq!(k.total, 2);
    let tally: Vec<(CommentState, i64)> = k.tally.clone();
    assert_eq!(
        tally,
        vec![
            (CommentState::Pending, 0),
            (CommentState::Adopted, 1),
            (CommentState::PartlyAdopted, 1),
            (CommentState::NotAdopted, 0),
            (CommentState::Answered, 0),
        ]
    );
    assert!(k.explanation.starts_with("共收到意见2条"));
    assert_eq!(audit_count(app, "consultation.open").await, 1);
    assert_eq!(audit_count(app, "consultation.comment").await, 2);
    assert_eq!(audit_count(app, "consultation.handle").await, 2);
    assert_eq!(audit_count(app, "consultation.export").await, 1);
    assert_eq!(audit_count(app, "consultation.close").await, 1);
}
both!(comments_through_the_period_to_the_final_summary);

async fn signed_in_only_consultations_refuse_visitors(env: TestEnv) {
    let app = &env.app;
    let editor = staff(&env, "editor1", "编辑甲", StaffRole::ContentEditor).await;
    let reviewer = staff(&env, "checker1", "审核乙", StaffRole::ContentReviewer).await;
    let article = guide(
        &env,
        &editor,
        &reviewer,
        "定日地震应急攻关项目申报指南（征求意见稿）",
    )
    .await;
    // Only a published 申报指南 takes a consultation.
    let notice = create_article(
        app,
        &editor,
        &ArticleForm {
            section: "tzgg".into(),
            title: "通知".into(),
            publisher: "科技厅".into(),
            body: "正文".into(),
            ..ArticleForm::default()
        },
        &[],
    )
    .await
    .unwrap();
    let mut f = OpenForm {
        article: notice.to_string(),
        opens: "2023-04-20".into(),
        closes: "2023-04-30".into(),
        anonymous: false,
        sections: "一、总体目标".into(),
    };
    assert_eq!(
        errors(open_consultation(app, &editor, &f).await).get("article"),
        Some("只能对已发布的申报指南征求意见")
    );
    f.article = article.to_string();
    let id = open_consultation(app, &editor, &f).await.unwrap();
    let before = captcha_count(app).await;
    assert_eq!(
        refusal_of(
            comment(
                app,
                &visitor(),
                id,
                &form(&env, "1", "意见", "13912345678").await
            )
            .await
        ),
        "本次征求意见仅受理登录用户的意见，请先登录后再提交"
    );
    // Refused before the captcha is looked at: it is still there.
    assert_eq!(captcha_count(app).await, before + 1);
    comment(
        app,
        &person_actor(3),
        id,
        &form(&env, "1", "意见", "13912345678").await,
    )
    .await
    .unwrap();
    let (_, sections) = staff_consultation(app, id).await.unwrap();
    assert_eq!(sections[0].comments.len(), 1);
}
both!(signed_in_only_consultations_refuse_visitors);

/// The shared strings of a workbook (where rust_xlsxwriter puts text).
fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name("xl/sharedStrings.xml").unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}
