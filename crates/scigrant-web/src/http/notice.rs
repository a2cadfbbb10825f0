//! What a page says after a redirect: the `?ok=` codes and their text, and
//! the 303 redirect itself.

use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The `?ok=` code a page shows as a notice after a redirect.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    pub ok: String,
}

/// 303 to `to` with a notice code the target page turns into a message.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Notices shown after a redirect, keyed by the `ok` query parameter.
pub fn notice_text(code: &str) -> &'static str {
    match code {
        "registered_unit" => {
            "单位注册信息已提交，请等待后台初审（一般5-20分钟，工作日）。审核通过后即可登录并进入科技项目申报。"
        }
        "registered_person" => "注册成功，请登录后完善个人信息。",
        "registered_normal" => {
            "注册成功，即可登录申报项目，不需审核。登录用户名是xm加手机号（已填入下方）。"
        }
        "resubmitted" => "已重新提交，请等待后台初审。",
        "org_cert" => "组织机构代码证已上传并提交复审，请等待后台审核。",
        "profile" => {
            "个人信息已保存，已提交所在单位审核。请联系所在单位在“单位从属用户管理”中审核。"
        }
        "password" => "密码已修改。",
        "info_saved" => "信息已保存，实名认证结果见“实名认证状态”。",
        "realname_uploaded" => "证件照片已提交，请等待人工审核。",
        "delegation_granted" => "授权成功，已通知被授权人。",
        "delegation_changed" => "授权已修改，已通知被授权人。",
        "delegation_revoked" => "授权已撤销，被授权人的下一次操作即不再代表本单位。",
        "acting" => {
            "您已开始代办，页面顶部显示您所代办的单位；您的每一项操作都将记录在该单位的代办记录中。"
        }
        "acting_stopped" => "已退出代办。",
        "article_saved" => "文章已保存。",
        "article_submitted" => "文章已提交审核。",
        "article_approved" => "审核通过，文章将在发布时间到达后显示在门户。",
        "article_returned" => "文章已退回编辑。",
        "article_withdrawn" => "文章已撤回，门户上已不再显示。",
        "decided" => "审核结果已保存。",
        "locked" => "已锁定该用户。",
        "unlocked" => "已解除锁定。",
        "reviewed" => "审核结果已保存，并已短信通知单位联系人。",
        "staff_added" => {
            "后台账号已创建，激活码已通过短信发送至本人手机，本人激活并设置密码后方可登录。"
        }
        "staff_updated" => "后台账号已更新。",
        "params" => "安全参数已保存。",
        "session_ended" => "已强制该用户下线。",
        "logged_out" => "您已安全退出。",
        "saved" => "已保存。",
        "published" => "立项公示已发布，并已短信通知申报人和申报单位。",
        "experts_published" => "专家公示已发布。",
        "objection" => "您的异议已提交。我们将依规处理，并通过您留下的联系电话告知处理结果。",
        "handler_changed" => "已变更项目经办人。",
        "member_added" => "已添加为本单位用户，并已通知本人。",
        "member_removed" => "已删除该用户：其账号保留，但不再属于本单位。",
        "withdrawn" => "申报书已撤回，可修改后在截止时间前重新提交。",
        "reminded" => "已向尚未完成评审的专家发送催办短信。",
        "expert_applied" => "专家申请已提交，请等待项目管理员审核。",
        "expert_decided" => "专家状态已更新。",
        "submitted" => "申报书已提交。请保存回执，并联系所在单位审核推荐。",
        "suggested" => {
            "指南建议已提交。请保存回执（建议编号与SM3摘要）；处理结果将在“我的指南建议”中显示。"
        }
        "handled" => "处理结果已保存。",
        "token_revoked" => "访问令牌已撤销，使用它的请求将被拒绝。",
        "dict_added" => "字典项已新增，表单中即可选择。",
        "dict_saved" => "字典项已保存。",
        "dict_enabled" => "字典项已启用，表单中即可选择。",
        "dict_disabled" => "字典项已停用：表单中不再提供，已使用它的记录不受影响。",
        _ => "",
    }
}
