//! 实名认证: where an account stands in verification, which changes send
//! it back through verification, and the manual fallback's rules (seed
//! 004, 1-2 and 2-2). The provider's wire protocol is the app's.

use crate::identity::account::AccountKind;

/// An account's 实名认证状态. No record reads as `Unverified`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealnameStatus {
    /// 未认证: never verified, or details changed since.
    Unverified,
    /// 已实名认证: the verification provider (国家平台) confirmed the details.
    Verified,
    /// 已审核认证: a 账号审核员 approved the uploaded documents.
    Reviewed,
    /// 认证失败, with the reason.
    Failed,
    /// 待人工审核: no provider, or documents uploaded for staff to check.
    Manual,
}

impl RealnameStatus {
    pub const ALL: [RealnameStatus; 5] = [
        RealnameStatus::Unverified,
        RealnameStatus::Verified,
        RealnameStatus::Reviewed,
        RealnameStatus::Failed,
        RealnameStatus::Manual,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RealnameStatus::Unverified => "unverified",
            RealnameStatus::Verified => "verified",
            RealnameStatus::Reviewed => "reviewed",
            RealnameStatus::Failed => "failed",
            RealnameStatus::Manual => "manual",
        }
    }

    pub fn from_code(s: &str) -> Option<RealnameStatus> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The status's name, as the seed's notes word it.
    pub fn label(self) -> &'static str {
        match self {
            RealnameStatus::Unverified => "未认证",
            RealnameStatus::Verified => "已实名认证",
            RealnameStatus::Reviewed => "已审核认证",
            RealnameStatus::Failed => "认证失败",
            RealnameStatus::Manual => "待人工审核",
        }
    }

    /// What 实名认证状态 shows on 我的信息 (the seed's screen reads
    /// “国家平台实名认证通过” for a provider's pass).
    pub fn shown(self) -> &'static str {
        match self {
            RealnameStatus::Verified => "国家平台实名认证通过",
            other => other.label(),
        }
    }

    /// 已实名认证 or 已审核认证: what a call requiring verification accepts.
    pub fn is_verified(self) -> bool {
        matches!(self, RealnameStatus::Verified | RealnameStatus::Reviewed)
    }

    /// 上传自然人信息 / 上传法人信息 takes documents only while not
    /// verified: “实名认证状态为‘已实名认证’、‘已审核认证’在此页面只能查看已上传信息”.
    pub fn may_upload(self) -> bool {
        !self.is_verified()
    }

    /// A 账号审核员 decides only accounts waiting for manual review.
    pub fn awaits_review(self) -> bool {
        self == RealnameStatus::Manual
    }
}

/// The details a verification vouches for. Any change among them sends
/// the account back through verification; other fields (民族, 电话, 详细地址 …)
/// do not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifiedFacts {
    Person {
        name: String,
        doc_type: String,
        doc_no: String,
    },
    Unit {
        name: String,
        uscc: String,
        legal_rep: String,
        legal_rep_doc_type: String,
        legal_rep_doc_no: String,
    },
}

impl VerifiedFacts {
    pub fn kind(&self) -> AccountKind {
        match self {
            VerifiedFacts::Person { .. } => AccountKind::Person,
            VerifiedFacts::Unit { .. } => AccountKind::Unit,
        }
    }

    /// A unit that has not named its 法定代表人's document cannot be
    /// verified yet.
    pub fn complete(&self) -> bool {
        match self {
            VerifiedFacts::Person { name, doc_no, .. } => !name.is_empty() && !doc_no.is_empty(),
            VerifiedFacts::Unit {
                name,
                legal_rep,
                legal_rep_doc_no,
                ..
            } => !name.is_empty() && !legal_rep.is_empty() && !legal_rep_doc_no.is_empty(),
        }
    }
}

/// Whether saving `after` over `before` needs a (new) verification: always
/// unless the account is verified and the vouched-for details are the same.
pub fn needs_verification(
    status: RealnameStatus,
    before: &VerifiedFacts,
    after: &VerifiedFacts,
) -> bool {
    !status.is_verified() || before != after
}

/// 类型 on 我的信息, from the document type's dictionary code.
pub fn region_kind(doc_type: &str) -> &'static str {
    match doc_type {
        "mainland_id" => "中华人民共和国大陆地区",
        "hmt_permit" => "中华人民共和国港、澳、台地区",
        _ => "其他",
    }
}

/// The largest image 上传自然人信息 / 上传法人信息 takes: 1 MB (1,048,577
/// bytes is refused).
pub const IMAGE_MAX: u64 = 1024 * 1024;

/// What the manual fallback's two images are, (first, second): a person's
/// ID card's two sides (上传自然人信息); a unit's 统一社会信用代码证 (seed
/// 000's word for it, or the 营业执照) and its 法定代表人's ID card
/// (上传法人信息). The upload page, the reviewer's page and the audit of a
/// view all name them so.
pub fn image_labels(kind: AccountKind) -> (&'static str, &'static str) {
    match kind {
        AccountKind::Unit => ("统一社会信用代码证（营业执照）", "法定代表人身份证"),
        AccountKind::Person | AccountKind::Staff => ("注册人身份证正面", "注册人身份证反面"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> VerifiedFacts {
        VerifiedFacts::Person {
            name: name.into(),
            doc_type: "mainland_id".into(),
            doc_no: "540102198001010011".into(),
        }
    }

    #[test]
    fn codes_round_trip_and_the_seed_words_show() {
        for s in RealnameStatus::ALL {
            assert_eq!(RealnameStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(RealnameStatus::Verified.shown(), "国家平台实名认证通过");
        assert_eq!(RealnameStatus::Reviewed.shown(), "已审核认证");
        assert_eq!(RealnameStatus::from_code("x"), None);
    }

    #[test]
    fn a_changed_verified_field_sends_the_account_back() {
        let v = RealnameStatus::Verified;
        assert!(!needs_verification(v, &person("张三"), &person("张三")));
        assert!(needs_verification(v, &person("张三"), &person("李四")));
        assert!(needs_verification(
            RealnameStatus::Failed,
            &person("张三"),
            &person("张三")
        ));
        assert!(!RealnameStatus::Reviewed.may_upload());
        assert!(RealnameStatus::Failed.may_upload());
    }

    #[test]
    fn a_unit_uploads_its_licence_and_its_representative_s_id_card() {
        assert_eq!(
            image_labels(AccountKind::Unit),
            ("统一社会信用代码证（营业执照）", "法定代表人身份证")
        );
        assert_eq!(image_labels(AccountKind::Person).0, "注册人身份证正面");
    }
}
