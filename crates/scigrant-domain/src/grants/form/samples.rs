//! Completely and correctly filled example applications for the two built-in templates,
//! with the matching validation contexts. Public (but hidden from the docs) so the
//! tests of the store, application and web crates start from the same valid data and
//! change one thing at a time. All people, units and numbers are fictitious.

use std::collections::BTreeMap;

use super::{FormData, Money, ValidationContext, Value};

fn fields(pairs: &[(&str, &str)]) -> FormData {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Text(v.to_string())))
        .collect()
}

fn rows(rows: &[&[(&str, &str)]]) -> Value {
    Value::Rows(
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>()
            })
            .collect(),
    )
}

/// 2023-11-30: the 项目周期 of every category of the call (“2023年11月底前完成”).
pub const PERIOD_END: (i32, u32, u32) = (2023, 11, 30);

/// Context for [`sample_fj4`]: 产业科技服务团 (KJFWT2023-01), cap 55 万元.
pub fn context_fj4() -> ValidationContext {
    ValidationContext {
        category_cap_wan: Money::from_wan(55),
        period_end: Some(PERIOD_END),
    }
}

/// Context for [`sample_fj5`]: 产学融合会议 (XLPPHD2023-02), cap 20 万元.
pub fn context_fj5() -> ValidationContext {
    ValidationContext {
        category_cap_wan: Money::from_wan(20),
        period_end: Some(PERIOD_END),
    }
}

/// The people of [`sample_fj4`] (团长 first, then 首席专家 and 联系人).
fn members() -> Value {
    rows(&[
        &[
            ("name", "张伟"),
            ("post_title", "中国示范工程学会 理事长/研究员"),
            ("contact", "13912345678"),
            ("duty", "项目总体负责，统筹服务团组建与实施"),
        ],
        &[
            ("name", "王芳"),
            ("post_title", "示范理工大学 教授"),
            ("contact", "wangfang@example.edu.cn"),
            ("duty", "技术诊断与成果评价"),
        ],
        &[
            ("name", "李明"),
            ("post_title", "中国示范工程学会 办公室主任/工程师"),
            ("contact", "13800138000"),
            ("duty", "项目联络、进度管理与平台数据报送"),
        ],
    ])
}

/// 附件4, 产业科技服务团: 申请55万元 (exactly the cap) + 自有10万元 = 65万元, three
/// phases (20 + 30 + 15) from 2023-05-01 to 2023-11-30, three people, five expense lines
/// (20 + 15 + 12.5 + 10 + 7.5). 团长 and 首席专家 are different people.
pub fn sample_fj4() -> FormData {
    let mut d = fields(&[
        ("project_code", "KJFWT2023-01"),
        ("project_category", "“科创中国”科技服务团示范项目"),
        ("project_subcategory", "产业科技服务团"),
        ("project_name", "“科创中国”新能源汽车产业科技服务团"),
        ("applicant", "中国示范工程学会"),
        ("cover_contact", "李明"),
        ("cover_mobile", "13800138000"),
        ("cover_email", "liming@example.org.cn"),
        ("apply_date", "2023-04-20"),
        ("unit_name", "中国示范工程学会"),
        ("unit_uscc", "511000005000123452"),
        ("leader_name", "张伟"),
        ("leader_mobile", "13912345678"),
        ("leader_email", "zhangwei@example.org.cn"),
        ("leader_office_phone", "010-68510001"),
        ("leader_post", "中国示范工程学会 理事长"),
        ("chief_expert_name", "王芳"),
        ("chief_expert_mobile", "13701234567"),
        ("chief_expert_email", "wangfang@example.edu.cn"),
        ("chief_expert_office_phone", ""),
        ("chief_expert_post", "示范理工大学 教授"),
        ("chief_expert_title", "教授"),
        ("contact_name", "李明"),
        ("contact_mobile", "13800138000"),
        ("contact_email", "liming@example.org.cn"),
        ("contact_office_phone", "010-68510002"),
        ("contact_post", "中国示范工程学会 办公室主任"),
        ("contact_address", "北京市海淀区示范路1号"),
        (
            "unit_intro",
            "中国示范工程学会成立于1980年，是中国科协所属全国学会，业务范围包括学术交流、科技咨询、\
             团体标准研制和科学普及。学会自2021年起参与“科创中国”建设，组建新能源汽车领域专家团队，\
             2023年度重点工作方向为服务试点城市产业技术攻关与成果转化。",
        ),
        (
            "rationale",
            "试点城市新能源汽车产业集群已初步形成，但动力电池、电驱系统等共性技术需求突出，\
             企业技术诊断与成果转化服务供给不足。项目旨在发挥学会人才汇聚优势，组建产业科技服务团，\
             推动技术与人才资源下沉一线。",
        ),
        ("team_name", "“科创中国”新能源汽车产业科技服务团"),
        ("partner_units", "示范理工大学、示范汽车研究院"),
        ("pilot_cities", "广西柳州"),
        ("other_cities", ""),
        ("industries", "新能源汽车"),
        ("contacted_pilots", "广西柳州"),
        ("contacted_associations", ""),
        ("other_info", ""),
        (
            "main_content",
            "围绕试点城市新能源汽车产业需求，汇聚50项以上可转移转化的科技成果并提供产业化方案；\
             组织专家对30项以上企业技术问题进行解析，形成研发指南；推动完成5项以上技术转移转化；\
             落地组建1个技术转移中心。",
        ),
        (
            "outcomes",
            "完成5项以上技术转移转化合同，落地组建1个具备独立法人资质的技术转移中心，\
             提交2个以上典型案例，刊登2篇以上公开报道。",
        ),
        (
            "conditions",
            "学会连续两年承担“科创中国”相关项目，已与柳州市科协建立协同工作机制，\
             已征集企业技术需求40余项，地方政府承诺提供场地与配套资金支持。",
        ),
        ("period_start", "2023-05-01"),
        ("period_end", "2023-11-30"),
        ("budget_requested", "55"),
        ("budget_own", "10"),
    ]);
    d.insert(
        "phases".into(),
        rows(&[
            &[
                ("stage", "第一阶段"),
                ("budget", "20"),
                ("goal", "组建服务团，完成需求调研与成果汇聚"),
                ("start", "2023-05-01"),
                ("end", "2023-07-31"),
            ],
            &[
                ("stage", "第二阶段"),
                ("budget", "30"),
                ("goal", "开展技术诊断与成果对接，推动技术转移转化"),
                ("start", "2023-08-01"),
                ("end", "2023-10-31"),
            ],
            &[
                ("stage", "第三阶段"),
                ("budget", "15"),
                ("goal", "总结成效，提交典型案例与总结报告"),
                ("start", "2023-11-01"),
                ("end", "2023-11-30"),
            ],
        ]),
    );
    d.insert("members".into(), members());
    d.insert(
        "expenses".into(),
        rows(&[
            &[
                ("item", "专家咨询费"),
                ("amount", "20"),
                ("basis", "40人次×0.5万元"),
            ],
            &[
                ("item", "会议费"),
                ("amount", "15"),
                ("basis", "3场对接会×5万元"),
            ],
            &[
                ("item", "差旅费"),
                ("amount", "12.5"),
                ("basis", "25人次×0.5万元"),
            ],
            &[("item", "劳务费"), ("amount", "10"), ("basis", "2人×5万元")],
            &[
                ("item", "印刷出版费"),
                ("amount", "7.50"),
                ("basis", "案例集与研发指南印制"),
            ],
        ]),
    );
    d
}

/// 附件5, 产学融合会议: 申请20万元 (the cap) + 自有5万元 + 地方配套10万元 = 35万元,
/// three phases (10 + 20 + 5) from 2023-06-01 to 2023-11-30, three people, four expense
/// lines (18 + 8 + 5.5 + 3.5).
pub fn sample_fj5() -> FormData {
    let mut d = fields(&[
        ("project_code", "XLPPHD2023-02"),
        ("project_category", "“科创中国”试点城市系列品牌活动项目"),
        ("project_subcategory", "产学融合会议"),
        ("project_name", "“科创中国”智能制造产学融合会议"),
        ("applicant", "示范智能装备股份有限公司"),
        ("cover_contact", "赵敏"),
        ("cover_mobile", "15012345678"),
        ("cover_email", "zhaomin@example.com.cn"),
        ("apply_date", "2023-04-21"),
        ("unit_name", "示范智能装备股份有限公司"),
        ("unit_uscc", "91110108MA01XY25KH"),
        ("leader_name", "陈刚"),
        ("leader_mobile", "18612345678"),
        ("leader_email", "chengang@example.com.cn"),
        ("leader_office_phone", "0757-22223333"),
        ("leader_post", "示范智能装备股份有限公司 副总经理"),
        ("contact_name", "赵敏"),
        ("contact_mobile", "15012345678"),
        ("contact_email", "zhaomin@example.com.cn"),
        ("contact_office_phone", ""),
        ("contact_post", "示范智能装备股份有限公司 科技部经理"),
        ("contact_address", "广东省佛山市顺德区示范大道8号"),
        (
            "unit_intro",
            "示范智能装备股份有限公司成立于2005年，是国家级高新技术企业，主营工业机器人与智能产线。\
             公司2022年加入“科创中国”联合体，2023年度重点推动产学研协同与成果落地。",
        ),
        (
            "rationale",
            "试点城市智能制造产业规模大，但中小企业数字化改造技术供给不足。\
             项目通过产学融合会议对接高校院所成果与企业需求，打造长期落地的品牌活动。",
        ),
        ("basic_project_name", "“科创中国”智能制造产学融合会议"),
        ("partner_units", "佛山市科协、示范理工大学"),
        ("pilot_cities", "广东佛山"),
        ("industries", "智能制造"),
        (
            "contacted_parties",
            "佛山市人民政府、顺德区经济和科技促进局、示范机器人产业园",
        ),
        ("other_info", ""),
        (
            "main_content",
            "按照“深度调研对接—组织品牌活动—成果推广落地—持续追踪服务”的全周期模式，\
             组织一场产学融合会议，开展不少于2次技术咨询与成果对接活动，提交会议总结与智库报告。",
        ),
        (
            "outcomes",
            "召开1场产学融合会议，在至少1个国家级媒体宣介，提交1篇不少于5000字的智库报告，\
             促成技术合作意向10项以上。",
        ),
        (
            "conditions",
            "公司承办过3届省级智能制造对接会，已征集企业技术需求60余项；\
             佛山市政府承诺提供会场与10万元配套经费。",
        ),
        ("period_start", "2023-06-01"),
        ("period_end", "2023-11-30"),
        ("budget_requested", "20"),
        ("budget_own", "5"),
        ("budget_local", "10"),
    ]);
    d.insert(
        "phases".into(),
        rows(&[
            &[
                ("stage", "第一阶段"),
                ("budget", "10"),
                ("goal", "深度调研对接，梳理企业需求与高校成果"),
                ("start", "2023-06-01"),
                ("end", "2023-08-31"),
            ],
            &[
                ("stage", "第二阶段"),
                ("budget", "20"),
                ("goal", "召开产学融合会议，组织成果对接"),
                ("start", "2023-09-01"),
                ("end", "2023-10-31"),
            ],
            &[
                ("stage", "第三阶段"),
                ("budget", "5"),
                ("goal", "成果推广与追踪服务，提交智库报告"),
                ("start", "2023-11-01"),
                ("end", "2023-11-30"),
            ],
        ]),
    );
    d.insert(
        "members".into(),
        rows(&[
            &[
                ("name", "陈刚"),
                ("post_title", "示范智能装备股份有限公司 副总经理/高级工程师"),
                ("contact", "18612345678"),
                ("duty", "项目总体负责"),
            ],
            &[
                ("name", "赵敏"),
                ("post_title", "示范智能装备股份有限公司 科技部经理"),
                ("contact", "zhaomin@example.com.cn"),
                ("duty", "会议组织与平台对接"),
            ],
            &[
                ("name", "欧阳·娜仁"),
                ("post_title", "示范理工大学 副教授"),
                ("contact", "0757-22224444"),
                ("duty", "智库报告撰写"),
            ],
        ]),
    );
    d.insert(
        "expenses".into(),
        rows(&[
            &[
                ("item", "会议费"),
                ("amount", "18"),
                ("basis", "主会场及分会场场地、设备"),
            ],
            &[
                ("item", "专家咨询费"),
                ("amount", "8"),
                ("basis", "16人次×0.5万元"),
            ],
            &[
                ("item", "宣传费"),
                ("amount", "5.5"),
                ("basis", "媒体宣介与视频制作"),
            ],
            &[
                ("item", "差旅费"),
                ("amount", "3.50"),
                ("basis", "7人次×0.5万元"),
            ],
        ]),
    );
    d
}
