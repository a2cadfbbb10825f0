//! The audit log keeps stable codes (`unit.review.initial`, `success`,
//! `staff`) so records stay comparable across versions; the auditor reads
//! them in Chinese. Unknown codes (from a newer version) are shown as they
//! are rather than hidden.

/// Every action the product records, with its name for the auditor.
pub const ACTIONS: [(&str, &str); 129] = [
    ("account.import", "导入原系统账号（火炬中心用户转移）"),
    ("account.lock", "账号因连续登录失败被锁定"),
    ("account.lookup", "（个人/企业）账号检索"),
    ("account.unlock", "解除账号锁定"),
    ("appeal.approve", "申诉找回密码审核通过，发送一次性密码"),
    ("appeal.code", "申诉找回密码：发送验证码"),
    ("appeal.find", "单位法人用户申诉：检索单位名称"),
    ("appeal.image.view", "查看申诉证件图片"),
    ("appeal.purge", "删除保存期满的申诉证件图片"),
    ("appeal.reject", "申诉找回密码审核不通过"),
    ("appeal.submit", "提交申诉找回密码"),
    ("application.accept", "形式审查通过"),
    ("application.create", "创建申报书"),
    ("application.export", "导出申报信息"),
    ("application.paper", "登记纸质材料"),
    ("application.recommend", "单位推荐申报书"),
    ("application.staff_return", "形式审查退回"),
    ("application.submit", "提交申报书"),
    ("application.unit_return", "单位退回申报书"),
    ("application.withdraw", "申请人撤回申报书"),
    ("call.close", "截止计划类别"),
    ("call.create", "新增计划类别"),
    ("call.document_add", "上传计划类别附件"),
    ("call.document_remove", "删除计划类别附件"),
    ("call.eligibility", "设置申报主体与申报单位名单"),
    ("call.extension", "延长申报期限"),
    ("call.publish", "发布计划类别"),
    ("file.read", "查看他人上传的文件"),
    ("login.failure", "登录失败"),
    ("login.success", "登录成功"),
    ("logout", "退出登录"),
    ("member.approve", "单位审核通过成员"),
    ("member.export", "导出单位成员"),
    ("member.lock", "锁定单位成员"),
    ("member.reject", "单位审核不通过成员"),
    ("member.request", "申请加入单位"),
    ("member.unlock", "解锁单位成员"),
    ("password.change", "修改密码"),
    ("person.register", "个人用户注册"),
    ("program.create", "新增计划"),
    ("program.limits", "设置计划限项"),
    ("security.params", "修改安全参数"),
    ("session.end", "强制下线"),
    ("staff.activate", "激活后台账号"),
    ("staff.add", "新增后台账号"),
    ("staff.invite", "新增后台账号并短信发送激活码"),
    ("staff.privileged", "三员账号变更（审计管理员、安全管理员）"),
    ("staff.update", "修改后台账号"),
    ("unit.register", "单位注册"),
    ("unit.resubmit", "单位修改后重新提交"),
    ("unit.review.initial", "单位注册初审"),
    ("unit.review.second", "单位注册复审"),
    ("unit.submit_second", "单位提交复审材料"),
    ("audit.export", "导出日志"),
    ("audit.purge", "清理过期日志"),
    ("audit.chain_upgrade", "接管旧版审计链"),
    ("staff.export", "导出后台账号"),
    ("unit.export", "导出单位列表"),
    ("funding.budget", "设置计划类别资助预算"),
    ("funding.decide", "立项决定"),
    ("notice.publish", "发布公示"),
    ("notice.withdraw", "异议成立，撤回公示"),
    ("objection.lodge", "提出异议"),
    ("objection.handle", "处理异议"),
    ("review.plan", "设置评审方案"),
    ("review.assign", "自动分配评审专家"),
    ("review.add", "手动分配评审专家"),
    ("review.pin", "固定或取消固定评审分配"),
    ("review.remove", "移除评审分配"),
    ("review.accept", "专家确认无利益冲突并接受评审"),
    ("review.decline", "专家谢绝评审"),
    ("review.conflict", "专家声明利益冲突"),
    ("review.submit", "专家提交评审意见"),
    ("review.reopen", "退回专家评审意见修改"),
    ("review.export", "导出评审意见"),
    ("review.expire", "撤销逾期未接受的评审分配并替补"),
    ("review.remind", "催办评审专家"),
    ("expert.apply", "申请成为科技项目专家"),
    ("expert.approve", "专家审核通过入库"),
    ("expert.reject", "专家申请未通过"),
    ("expert.pause", "暂停专家"),
    ("expert.resume", "恢复专家"),
    ("expert.retire", "专家退出专家库"),
    ("expert.export", "导出专家列表"),
    ("expert.import", "导入专家"),
    ("password.reset.find", "登录名重置密码：检索登录名"),
    ("password.reset.code", "登录名重置密码：发送验证码"),
    ("password.reset", "登录名重置密码"),
    ("message.read", "消息中心标为已读"),
    ("article.create", "新建门户文章"),
    ("article.save", "修改门户文章"),
    ("article.submit", "门户文章提交审核"),
    ("article.approve", "门户文章审核通过"),
    ("article.return", "门户文章退回"),
    ("article.withdraw", "撤回门户文章"),
    ("consultation.open", "发起指南征求意见"),
    ("consultation.comment", "提交指南意见"),
    ("consultation.handle", "处理指南意见"),
    ("consultation.export", "导出指南意见"),
    ("consultation.close", "结束指南征求意见"),
    ("solicitation.open", "发起指南征集"),
    ("solicitation.export", "导出指南建议"),
    ("suggestion.create", "填写指南建议"),
    ("suggestion.submit", "提交指南建议"),
    ("suggestion.handle", "处理指南建议"),
    ("token.create", "创建个人访问令牌"),
    ("token.revoke", "撤销个人访问令牌"),
    ("dictionary.add", "新增字典项"),
    ("dictionary.edit", "修改字典项名称或排序"),
    ("dictionary.enable", "启用字典项"),
    ("dictionary.disable", "停用字典项"),
    ("pii.seal", "存量申报书中的电话号码加密存储"),
    ("pii.bind", "存量个人信息密文绑定到所在记录"),
    ("person.info", "修改个人信息"),
    ("unit.info", "修改法人信息"),
    ("realname.verify", "实名认证"),
    ("realname.upload", "上传实名认证证件"),
    ("realname.review", "实名认证人工审核"),
    ("realname.image.view", "查看实名认证证件"),
    ("call.realname", "设置计划类别实名认证要求"),
    ("delegation.grant", "用户授权（代办）"),
    ("delegation.change", "修改用户授权"),
    ("delegation.revoke", "撤销用户授权"),
    ("delegation.act", "开始代办"),
    ("delegation.stop", "退出代办"),
    ("supplier.search", "供应商注册检索单位"),
    ("application.handler", "变更项目经办人"),
    ("member.add", "添加单位用户"),
    ("member.remove", "删除单位用户"),
];

/// The auditor's name for an action code.
pub fn action_label(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The auditor's word for an outcome code.
pub fn outcome_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "success" => "成功",
        "failure" => "失败",
        "approved" => "通过",
        "rejected" => "不通过",
        _ => return None,
    })
}

/// What kind of record an action touched.
pub fn target_label(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "unit" => "单位",
        "person" => "个人用户",
        "staff" => "后台账号",
        "application" => "申报书",
        "call" => "计划类别",
        "program" => "计划",
        "settings" => "安全参数",
        "file" => "文件",
        "session" => "会话",
        "audit" => "日志",
        "notice" => "公示",
        "objection" => "异议",
        "article" => "门户文章",
        "solicitation" => "指南征集",
        "suggestion" => "指南建议",
        "consultation" => "指南征求意见",
        "comment" => "指南意见",
        "dictionary" => "字典项",
        "pii" => "个人信息",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_named() {
        let mut codes: Vec<&str> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len());
        assert_eq!(action_label("unit.review.initial"), Some("单位注册初审"));
        assert_eq!(action_label("password.change"), Some("修改密码"));
        assert_eq!(action_label("consultation.close"), Some("结束指南征求意见"));
        assert_eq!(target_label("comment"), Some("指南意见"));
        assert_eq!(action_label("no.such"), None);
        assert_eq!(outcome_label("approved"), Some("通过"));
        assert_eq!(target_label("staff"), Some("后台账号"));
        assert_eq!(action_label("dictionary.disable"), Some("停用字典项"));
        assert_eq!(target_label("dictionary"), Some("字典项"));
    }
}
