//! Plausible research-proposal text for the 查重 tests and benchmark: each
//! application gets its own topic (industry, technologies, city, unit) and
//! its sentences are drawn from per-field patterns with word-level
//! alternatives, so two applications written independently share only the
//! common phrasing of the genre, as real ones do. All names are fictitious.
//!
//! Pattern syntax: `{a|b|c}` picks one alternative; `<I>` the industry,
//! `<T>` one of the topic's technologies, `<C>` the city, `<O>` the unit,
//! `<N>` a number, `<Y>` a year.

use crate::grants::form::{FormData, Value, samples};

/// splitmix64: a small, fixed generator, so every run produces the same text.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const INDUSTRIES: &[&str] = &[
    "新能源汽车",
    "集成电路",
    "生物医药",
    "高端装备",
    "先进材料",
    "现代种业",
    "海洋工程",
    "数字经济",
    "智能制造",
    "节能环保",
    "航空航天",
    "轨道交通",
    "现代纺织",
    "绿色食品",
    "光伏储能",
    "工程机械",
    "精细化工",
    "中医药",
    "智慧农业",
    "文化旅游",
    "低空经济",
    "氢能",
    "稀土功能材料",
    "现代物流",
];

const TECHS: &[&str] = &[
    "动力电池热管理",
    "电驱系统集成",
    "芯片先进封装",
    "靶向药物递送",
    "工业互联网标识解析",
    "金属增材制造",
    "碳纤维复合材料成型",
    "水肥一体化灌溉",
    "反渗透膜制备",
    "数据要素确权",
    "机器视觉缺陷检测",
    "质子交换膜燃料电池",
    "高温合金定向凝固",
    "农产品冷链保鲜",
    "储能变流器控制",
    "微生物发酵调控",
    "精密减速器设计",
    "柔性显示驱动",
    "重金属污染土壤修复",
    "病虫害智能监测",
    "激光熔覆再制造",
    "轴承寿命预测",
    "数控系统国产化",
    "大宗固废综合利用",
    "锂电池梯次利用",
    "无人机巡检",
    "种质资源精准鉴定",
    "中药材道地性评价",
    "船舶减振降噪",
    "智能网联测试",
    "工业软件仿真",
    "稀土永磁电机",
    "生物基可降解材料",
    "污水深度处理",
    "装配式建筑构件",
    "北斗高精度定位",
    "蛋白质结构解析",
    "功率半导体器件",
    "光纤传感监测",
    "低温等离子体处理",
];

const CITIES: &[&str] = &[
    "柳州", "株洲", "洛阳", "绵阳", "芜湖", "宜宾", "襄阳", "赣州", "潍坊", "盐城", "泉州", "包头",
    "德阳", "常州", "嘉兴", "十堰", "湘潭", "宝鸡", "鞍山", "遵义", "曲靖", "九江", "滁州", "镇江",
];

const UNIT_KINDS: &[&str] = &[
    "学会",
    "研究院",
    "协会",
    "工程技术研究中心",
    "产业技术研究院",
    "科技服务中心",
];

const INTRO: &[&str] = &[
    "<O>成立于<Y>年，{是|系}{中国科协所属全国学会|省科协所属学会|独立法人科研机构|市属科技服务机构}，{业务范围包括|主要业务涵盖|主要从事}学术交流、技术咨询和<I>领域{团体标准研制|科学普及|人才培养}。",
    "{近年来|<Y>年以来}，<O>{围绕|聚焦|立足}<I>产业{开展|组织|承担}<T>{等方向的|相关}{技术攻关|联合研究|成果评价}<N>余项。",
    "{单位|本单位|<O>}{现有|拥有|汇聚}{会员|专职研究人员|专家}<N>{余名|多人|余人}，{其中|内有}高级职称{人员|专家}占{比|比例}{超过|约}<N>%。",
    "<O>{建有|设有|牵头组建}<T>{省级重点实验室|中试基地|技术创新联盟|专家工作站}，{具备|拥有}{较强的|完善的|良好的}{试验验证|检测分析|工程化}{条件|能力}。",
    "<Y>年度<O>{重点工作方向为|将重点}{服务|支撑|推动}<C><I>产业{技术升级|成果转化|人才集聚}。",
];

const RATIONALE: &[&str] = &[
    "<C><I>产业{集群|规模}{已初步形成|持续扩大|增长较快}，但<T>{等|和<T>等}{共性|关键|核心}技术{需求突出|供给不足|受制于人}。",
    "{调研|走访}{发现|表明}，<C>{中小企业|规上企业|园区企业}在<T>方面{普遍缺乏|亟需|长期缺少}{专业人才|技术诊断|中试验证}{服务|支撑|平台}。",
    "{项目旨在|本项目拟|项目将}{发挥|依托|用好}<O>{人才汇聚|学科交叉|平台资源}优势，{推动|促进|引导}{技术|人才|成果}{资源下沉|要素集聚|精准对接}。",
    "{当前|目前|现阶段}<I>{领域|行业}{正处于|面临}{转型升级|结构调整|技术迭代}{的关键期|的窗口期|的攻坚阶段}，<T>{直接|在很大程度上}{决定|影响}{产品竞争力|产业链安全|企业效益}。",
    "{开展|组织|实施}本项目{有助于|能够|可以}{破解|缓解|解决}<C>{产业发展|企业创新|成果转化}中的<T>{瓶颈|难题|短板}，{具有|体现}{较强的|显著的|重要的}{示范意义|推广价值|现实意义}。",
];

const CONTENT: &[&str] = &[
    "{围绕|面向|针对}<C><I>产业{需求|链条|关键环节}，{汇聚|征集|遴选}<N>项以上<T>{相关|方面的}{可转化科技成果|成熟技术|专利成果}并{提供|编制|形成}{产业化方案|转化路线图|实施方案}。",
    "{组织|邀请|遴选}{专家|高校院所专家|行业专家}{对|围绕}<N>项以上{企业技术问题|技术需求|工艺难题}{进行|开展}{解析|会诊|诊断}，{形成|编制|发布}{研发指南|问题清单|技术路线图}。",
    "{推动|促成|支持}<T>{与|同}<T>{等|相关}技术在<C>{落地|示范应用|中试熟化}，{完成|实现}<N>项以上{技术转移转化|成果对接|联合攻关}。",
    "{建立|搭建|完善}{“需求—成果—资本”|“揭榜挂帅”|“专家+企业”}{对接机制|服务模式|工作机制}，{定期|每季度|按月}{举办|组织|召开}{技术对接会|成果路演|专题研讨会}。",
    "{落地组建|联合共建|培育}<N>个{技术转移中心|联合实验室|中试平台}，{面向|服务|辐射}<I>{中小企业|产业链上下游|园区企业}{提供|开展}<T>{检测|咨询|培训}服务。",
    "{针对|围绕|聚焦}<T>{开展|组织}{技术培训|工程师研修|人才实训}<N>{场|期|批}，{培养|培训|带动}{本地|一线|企业}{技术骨干|工程师|技能人才}<N>名以上。",
];

const OUTCOMES: &[&str] = &[
    "{完成|签订|实现}<N>项以上{技术转移转化合同|技术开发合同|技术服务合同}，{合同金额|技术交易额}{不低于|达到}<N>万元。",
    "{提交|形成|汇编}<N>个以上{典型案例|服务案例|示范案例}，{刊登|发表|推出}<N>篇以上{公开报道|宣传报道|研究报告}。",
    "{服务|帮扶|对接}<I>企业<N>家以上，{解决|突破|攻克}<T>{等|相关}{技术难题|工艺问题|关键问题}<N>项。",
    "{形成|制定|发布}<T>{团体标准|技术规范|操作指南}<N>项，{申请|获得}{发明专利|软件著作权}<N>件。",
    "{建立|形成}{一支|一批}{稳定的|高水平的|覆盖全链条的}<I>{专家服务队伍|科技志愿者队伍|技术经纪人队伍}，{人数|规模}{不少于|达到}<N>人。",
];

const CONDITIONS: &[&str] = &[
    "<O>{连续|已连续}<N>年{承担|参与|组织}{“科创中国”|科技服务|产学研合作}相关项目，{积累了|具有}{丰富的|扎实的}{组织经验|服务经验|实施经验}。",
    "{已与|目前已与}<C>{科协|科技局|工信局|高新区管委会}{建立|签订|形成}{协同工作机制|战略合作协议|定期会商机制}。",
    "{已征集|已梳理|已收集}{企业|园区}{技术需求|创新需求|难题清单}<N>余项，{其中|内含}<T>{方向|领域}{需求|问题}<N>项。",
    "{地方政府|<C>{人民政府|科技部门}|园区管委会}{承诺|同意|已明确}{提供|给予|落实}{场地|配套资金|政策}{支持|保障}<N>万元。",
    "{项目团队|首席专家团队|服务团}在<T>{领域|方向}{承担过|主持过|完成过}{国家级|省部级|重大}{科研项目|攻关任务|工程项目}<N>项。",
];

const GOALS: &[&str] = &[
    "{组建|成立}服务团，{完成|开展}<C><I>{需求调研|企业走访}与<T>成果{汇聚|征集}",
    "{开展|组织}<T>{技术诊断|成果对接|联合攻关}，{推动|促成}<N>项{技术转移转化|成果落地}",
    "{总结|凝练}<I>{服务成效|工作经验}，{提交|编制}{典型案例|总结报告}<N>份并{推广|宣传}",
];

const DUTIES: &[&str] = &[
    "{负责|承担}<T>{方向的|相关}{技术诊断|成果评价|方案设计}与{企业对接|现场指导}",
    "{负责|统筹}<C>{需求征集|项目联络|进度管理}和{平台数据报送|经费管理|资料归档}",
];

const BASES: &[&str] = &[
    "{邀请|聘请}<T>{领域|方向}专家<N>人次，{按|依据}{国家标准|单位规定}{测算|核定}咨询费",
    "{在|赴}<C>{举办|组织}<N>场{技术对接会|成果路演|研讨会}，{按|依据}{场次|规模}{测算|核定}会议费",
];

/// Longer fields for the benchmark, a research project rather than a
/// service team: (label, patterns, sentences).
const LONG_FIELDS: &[(&str, &[&str], usize)] = &[
    ("单位简介", INTRO, 8),
    ("立项依据", RATIONALE, 24),
    ("研究内容", CONTENT, 30),
    ("预期成果", OUTCOMES, 14),
    ("实施条件", CONDITIONS, 14),
];

/// What one application is about.
#[derive(Clone, Debug)]
pub struct Topic {
    pub industry: &'static str,
    pub techs: Vec<&'static str>,
    pub city: &'static str,
    pub unit: String,
}

impl Topic {
    pub fn new(rng: &mut Rng) -> Topic {
        let mut techs = Vec::new();
        while techs.len() < 4 {
            let t = *rng.pick(TECHS);
            if !techs.contains(&t) {
                techs.push(t);
            }
        }
        let city = *rng.pick(CITIES);
        Topic {
            industry: rng.pick::<&str>(INDUSTRIES),
            techs,
            city,
            unit: format!("{}市{}{}", city, rng.pick(INDUSTRIES), rng.pick(UNIT_KINDS)),
        }
    }
}

/// One sentence from `pattern` about `topic`.
pub fn sentence(pattern: &str, topic: &Topic, rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut body = String::new();
                let mut depth = 1;
                for d in chars.by_ref() {
                    match d {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    body.push(d);
                }
                let options = split_top(&body);
                let chosen = options[rng.below(options.len())].clone();
                out.push_str(&sentence(&chosen, topic, rng));
            }
            '<' => {
                let slot: String = chars.by_ref().take_while(|&d| d != '>').collect();
                match slot.as_str() {
                    "I" => out.push_str(topic.industry),
                    "T" => out.push_str(rng.pick::<&str>(&topic.techs)),
                    "C" => out.push_str(topic.city),
                    "O" => out.push_str(&topic.unit),
                    "N" => out.push_str(&(2 + rng.below(98)).to_string()),
                    "Y" => out.push_str(&(1978 + rng.below(45)).to_string()),
                    other => out.push_str(other),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Splits `a|b{c|d}` at the top-level bars only.
fn split_top(body: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0;
    for c in body.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '|' if depth == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// A paragraph of sentences from `patterns`, each pattern used at most
/// once per round, no longer than `max_chars` (at least one sentence).
fn paragraph(patterns: &[&str], topic: &Topic, rng: &mut Rng, max_chars: usize) -> String {
    let mut order: Vec<usize> = (0..patterns.len()).collect();
    let mut out = String::new();
    for round in 0.. {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &i in &order {
            let s = sentence(patterns[i], topic, rng);
            if !out.is_empty() && out.chars().count() + s.chars().count() > max_chars {
                return out;
            }
            out.push_str(&s);
        }
        if round > 20 {
            break;
        }
    }
    out
}

/// Rewrites every fifth sentence (those whose index in the whole text is
/// 2 modulo 5) with a new sentence from the same field's patterns: the
/// copier's rewording of a fifth of what they copied.
fn reword_fifth(
    text: &str,
    patterns: &[&str],
    topic: &Topic,
    rng: &mut Rng,
    counter: &mut usize,
) -> String {
    super::sentences(text)
        .into_iter()
        .map(|s| {
            let i = *counter;
            *counter += 1;
            if i % 5 == 2 {
                // A rewording is not longer than what it replaces, so a copy
                // stays within the field's limit.
                let len = s.chars().count();
                let mut fresh = String::new();
                for _ in 0..50 {
                    let candidate = sentence(rng.pick::<&str>(patterns), topic, rng);
                    let better =
                        fresh.is_empty() || candidate.chars().count() < fresh.chars().count();
                    if better {
                        fresh = candidate;
                    }
                    if fresh.chars().count() <= len {
                        break;
                    }
                }
                fresh
            } else {
                s
            }
        })
        .collect()
}

/// The prose fields of 附件4 this module writes: (key, patterns, limit).
const FJ4_FIELDS: &[(&str, &[&str], usize)] = &[
    ("unit_intro", INTRO, 300),
    ("rationale", RATIONALE, 200),
    ("main_content", CONTENT, 300),
    ("outcomes", OUTCOMES, 200),
    ("conditions", CONDITIONS, 300),
];

/// The prose table cells of 附件4: (table, column, patterns, limit).
const FJ4_CELLS: &[(&str, &str, &[&str], usize)] = &[
    ("phases", "goal", GOALS, 100),
    ("members", "duty", DUTIES, 100),
    ("expenses", "basis", BASES, 200),
];

/// A valid 附件4 application (the sample's cover, people and budget) with
/// its own prose about a topic drawn from `seed`.
pub fn fj4_application(seed: u64) -> FormData {
    let mut rng = Rng::new(seed);
    let topic = Topic::new(&mut rng);
    let mut data = samples::sample_fj4();
    for (key, patterns, limit) in FJ4_FIELDS {
        data.insert(
            key.to_string(),
            Value::Text(paragraph(patterns, &topic, &mut rng, *limit)),
        );
    }
    for (table, column, patterns, _) in FJ4_CELLS {
        if let Some(Value::Rows(rows)) = data.get_mut(*table) {
            for row in rows.iter_mut() {
                row.insert(
                    column.to_string(),
                    sentence(rng.pick::<&str>(patterns), &topic, &mut rng),
                );
            }
        }
    }
    data.insert("industries".into(), Value::Text(topic.industry.into()));
    data.insert("pilot_cities".into(), Value::Text(topic.city.into()));
    data.insert("contacted_pilots".into(), Value::Text(topic.city.into()));
    data
}

/// `original` copied with a fifth of its sentences reworded (the copier's
/// own topic words in the new sentences), cells included.
pub fn fj4_copy_reworded(original: &FormData, seed: u64) -> FormData {
    let mut rng = Rng::new(seed);
    let topic = Topic::new(&mut rng);
    let mut data = original.clone();
    let mut counter = 0;
    for (key, patterns, _) in FJ4_FIELDS {
        if let Some(Value::Text(t)) = data.get(*key) {
            let new = reword_fifth(t, patterns, &topic, &mut rng, &mut counter);
            data.insert(key.to_string(), Value::Text(new));
        }
    }
    for (table, column, patterns, _) in FJ4_CELLS {
        if let Some(Value::Rows(rows)) = data.get_mut(*table) {
            for row in rows.iter_mut() {
                let i = counter;
                counter += 1;
                if i % 5 == 2 {
                    row.insert(
                        column.to_string(),
                        sentence(rng.pick::<&str>(patterns), &topic, &mut rng),
                    );
                }
            }
        }
    }
    data
}

/// A benchmark application: several long fields, about 2,500–3,500
/// characters in all.
pub fn long_application(seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let topic = Topic::new(&mut rng);
    LONG_FIELDS
        .iter()
        .map(|(label, patterns, n)| {
            let text: String = (0..*n)
                .map(|_| sentence(rng.pick::<&str>(patterns), &topic, &mut rng))
                .collect();
            (label.to_string(), text)
        })
        .collect()
}

/// [`long_application`] copied with a fifth of its sentences reworded.
pub fn long_copy_reworded(original: &[(String, String)], seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let topic = Topic::new(&mut rng);
    let mut counter = 0;
    original
        .iter()
        .zip(LONG_FIELDS)
        .map(|((label, text), (_, patterns, _))| {
            (
                label.clone(),
                reword_fifth(text, patterns, &topic, &mut rng, &mut counter),
            )
        })
        .collect()
}
