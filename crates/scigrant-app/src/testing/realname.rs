//! A person made 已审核认证 the way a deployment without a provider does
//! it: 修改个人信息 → 保存 (queued for manual review), then a reviewer's 通过.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::PersonId;

use super::{person_actor, staff_actor};
use crate::App;
use crate::identity::realname::person::{PersonInfoForm, save_person_info};
use crate::identity::realname::review::decide_realname;

/// Verifies `person` under `name` (the 姓名 they then carry).
pub async fn verified_by_review(app: &App, person: PersonId, name: &str) {
    let info = PersonInfoForm {
        name: name.into(),
        gender: "男".into(),
        nation: "藏族".into(),
        post: "工程师".into(),
        email: "verified@example.cn".into(),
        tel: "0891-6812345".into(),
        doc_type: "mainland_id".into(),
        doc_no: String::new(),
        doc_valid_until: "长期".into(),
        address: "拉萨市城关区北京中路1号".into(),
    };
    save_person_info(app, &person_actor(person.0), person, &info)
        .await
        .expect("修改个人信息");
    decide_realname(
        app,
        &staff_actor(7),
        AccountKind::Person,
        person.0,
        true,
        "",
    )
    .await
    .expect("实名认证人工审核通过");
}
