//! 限项: a program may limit how many applications and ongoing projects one
//! person holds as 负责人 — per call (计划类别) and across the program.
//! The 负责人 of an application are its applicant (the account that
//! submits it) and the leaders its form names: 团长 and 首席专家 on 附件4,
//! 项目负责人 on 附件5 (the `leader_name` / `chief_expert_name` fields with
//! their mobiles). A person is the same person when name and mobile both
//! match, as in the 专家不得重复 rule. What is counted (the applications in
//! the pipeline and the funded ones, not those declined) is the caller's
//! choice; this module only counts and names.

use super::form::{Entry, FormData, FormSpec, Value};

/// The (name, mobile) fields that name an application's leaders.
pub const LEADER_FIELDS: [(&str, &str); 2] = [
    ("leader_name", "leader_mobile"),
    ("chief_expert_name", "chief_expert_mobile"),
];

/// The limits of a program; 0 means no limit on that scope (a program
/// without limits set has both at 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoldingLimits {
    /// At most this many per call (计划类别).
    pub per_call: u32,
    /// At most this many across the program, every call and every funded
    /// (在研) project included.
    pub per_program: u32,
}

/// The largest limit accepted: a limit is a small number of projects.
pub const MAX_LIMIT: u32 = 99;

impl HoldingLimits {
    pub fn is_none(self) -> bool {
        self.per_call == 0 && self.per_program == 0
    }

    /// Parses the two limits as typed ("" = 0 = no limit), with the error
    /// of each field.
    pub fn parse(per_call: &str, per_program: &str) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut one = |field: &'static str, s: &str| -> u32 {
            let s = s.trim();
            if s.is_empty() {
                return 0;
            }
            match s.parse::<u32>() {
                Ok(n) if n <= MAX_LIMIT => n,
                _ => {
                    errors.push((field, format!("请输入0至{MAX_LIMIT}的整数（0为不限）")));
                    0
                }
            }
        };
        let limits = HoldingLimits {
            per_call: one("per_call", per_call),
            per_program: one("per_program", per_program),
        };
        if errors.is_empty()
            && limits.per_call > 0
            && limits.per_program > 0
            && limits.per_call > limits.per_program
        {
            errors.push((
                "per_call",
                "每个计划类别的限项不得多于整个计划的限项".to_string(),
            ));
        }
        if errors.is_empty() {
            Ok(limits)
        } else {
            Err(errors)
        }
    }

    /// How the limits read on staff pages.
    pub fn describe(self) -> String {
        let one = |n: u32| {
            if n == 0 {
                "不限".to_string()
            } else {
                format!("{n} 项")
            }
        };
        format!(
            "每个计划类别：{}；整个计划：{}",
            one(self.per_call),
            one(self.per_program)
        )
    }
}

/// One 负责人 of an application: how the refusal addresses them, and who
/// they are (name and mobile, trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// "您" for the applicant, else the role and name ("团长张伟").
    pub addressed: String,
    pub name: String,
    pub mobile: String,
}

impl Holder {
    fn same_person(&self, other: &Holder) -> bool {
        self.name == other.name && self.mobile == other.mobile
    }
}

/// An application as the rule sees it.
#[derive(Clone, Debug)]
pub struct Holding {
    pub call_id: i64,
    pub number: String,
    pub title: String,
    pub holders: Vec<Holder>,
}

/// The applicant and the leaders `data` names, each person once. The role
/// is the field's label without "姓名" (团长, 首席专家, 项目负责人).
pub fn holders_of(
    spec: &FormSpec,
    data: &FormData,
    applicant_name: &str,
    applicant_mobile: &str,
) -> Vec<Holder> {
    let mut out = vec![Holder {
        addressed: "您".into(),
        name: applicant_name.trim().into(),
        mobile: applicant_mobile.trim().into(),
    }];
    let text = |k: &str| match data.get(k) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    };
    for (name_key, mobile_key) in LEADER_FIELDS {
        let Some(Entry::Field(f)) = spec.entry(name_key) else {
            continue;
        };
        let name = text(name_key);
        if name.is_empty() {
            continue;
        }
        let h = Holder {
            addressed: format!("{}{name}", f.label.trim_end_matches("姓名")),
            name,
            mobile: text(mobile_key),
        };
        if !out.iter().any(|o| o.same_person(&h)) {
            out.push(h);
        }
    }
    out
}

/// Why a submission is refused: who reached which limit, and the
/// applications that already count against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitReached {
    pub addressed: String,
    /// True for the per-call limit, false for the program's.
    pub per_call: bool,
    pub limit: u32,
    /// (number, title) of each application counted.
    pub others: Vec<(String, String)>,
}

impl LimitReached {
    pub fn message(&self) -> String {
        let scope = if self.per_call {
            "本计划类别"
        } else {
            "本计划"
        };
        let list: Vec<String> = self
            .others
            .iter()
            .map(|(n, t)| format!("{n}《{t}》"))
            .collect();
        format!(
            "{}在{scope}中作为负责人的申报与在研项目已达上限 {} 项：{}",
            self.addressed,
            self.limit,
            list.join("、")
        )
    }
}

/// Whether `mine` may be submitted beside `others` (the other counted
/// applications of the program): each of its 负责人 may hold at most
/// `per_call` in its call and `per_program` in the program, `mine`
/// included. The per-call limit is checked first, being the narrower.
pub fn check_limits(
    limits: HoldingLimits,
    mine: &Holding,
    others: &[Holding],
) -> Result<(), LimitReached> {
    for h in &mine.holders {
        let held: Vec<&Holding> = others
            .iter()
            .filter(|o| o.holders.iter().any(|x| x.same_person(h)))
            .collect();
        for (per_call, limit) in [(true, limits.per_call), (false, limits.per_program)] {
            if limit == 0 {
                continue;
            }
            let counted: Vec<&&Holding> = held
                .iter()
                .filter(|o| !per_call || o.call_id == mine.call_id)
                .collect();
            if counted.len() as u32 >= limit {
                return Err(LimitReached {
                    addressed: h.addressed.clone(),
                    per_call,
                    limit,
                    others: counted
                        .iter()
                        .map(|o| (o.number.clone(), o.title.clone()))
                        .collect(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(addressed: &str, name: &str, mobile: &str) -> Holder {
        Holder {
            addressed: addressed.into(),
            name: name.into(),
            mobile: mobile.into(),
        }
    }

    fn holding(call_id: i64, number: &str, holders: Vec<Holder>) -> Holding {
        Holding {
            call_id,
            number: number.into(),
            title: format!("项目{number}"),
            holders,
        }
    }

    #[test]
    fn limits_parse_with_blank_as_none_and_errors_beside_the_field() {
        assert_eq!(
            HoldingLimits::parse("", " ").unwrap(),
            HoldingLimits::default()
        );
        assert!(HoldingLimits::parse("0", "0").unwrap().is_none());
        assert_eq!(
            HoldingLimits::parse("1", "3").unwrap(),
            HoldingLimits {
                per_call: 1,
                per_program: 3
            }
        );
        assert_eq!(
            HoldingLimits::parse("一", "100").unwrap_err(),
            vec![
                ("per_call", "请输入0至99的整数（0为不限）".to_string()),
                ("per_program", "请输入0至99的整数（0为不限）".to_string()),
            ]
        );
        assert_eq!(
            HoldingLimits::parse("4", "3").unwrap_err(),
            vec![(
                "per_call",
                "每个计划类别的限项不得多于整个计划的限项".to_string()
            )]
        );
        assert_eq!(HoldingLimits::parse("4", "0").unwrap().per_call, 4);
    }

    #[test]
    fn the_program_limit_counts_every_call_and_names_them() {
        let me = holder("您", "李明", "13800000001");
        let limits = HoldingLimits {
            per_call: 0,
            per_program: 2,
        };
        let mine = holding(3, "C-0001", vec![me.clone()]);
        let one = [holding(1, "A-0001", vec![me.clone()])];
        assert_eq!(check_limits(limits, &mine, &one), Ok(()));
        let two = [
            holding(1, "A-0001", vec![me.clone()]),
            holding(2, "B-0004", vec![holder("团长李明", "李明", "13800000001")]),
            holding(2, "B-0005", vec![holder("您", "李明", "13900000009")]),
        ];
        let refused = check_limits(limits, &mine, &two).unwrap_err();
        assert_eq!(
            refused.message(),
            "您在本计划中作为负责人的申报与在研项目已达上限 2 项：A-0001《项目A-0001》、B-0004《项目B-0004》"
        );
    }

    #[test]
    fn the_call_limit_is_checked_first_and_for_every_leader() {
        let limits = HoldingLimits {
            per_call: 1,
            per_program: 5,
        };
        let mine = holding(
            1,
            "A-0002",
            vec![
                holder("您", "赵一", "13800000001"),
                holder("团长张伟", "张伟", "13912345678"),
            ],
        );
        let others = [
            holding(
                2,
                "B-0001",
                vec![holder("首席专家张伟", "张伟", "13912345678")],
            ),
            holding(1, "A-0001", vec![holder("团长张伟", "张伟", "13912345678")]),
        ];
        assert_eq!(
            check_limits(limits, &mine, &others).unwrap_err().message(),
            "团长张伟在本计划类别中作为负责人的申报与在研项目已达上限 1 项：A-0001《项目A-0001》"
        );
        assert_eq!(
            check_limits(HoldingLimits::default(), &mine, &others),
            Ok(())
        );
    }
}
