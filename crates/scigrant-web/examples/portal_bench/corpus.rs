//! A deterministic corpus of portal articles in the register of a 科技厅
//! site: notices, guides, answers and regulations about calls in S&T
//! fields, a few hundred characters each, from a seeded generator so two
//! runs with the same count hold the same text.

use scigrant_domain::portal::article::Section;

/// SplitMix64: small, seeded, good enough to pick words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const REGIONS: &[&str] = &[
    "西藏自治区",
    "拉萨市",
    "日喀则市",
    "林芝市",
    "四川省",
    "青海省",
    "云南省",
    "陕西省",
    "湖北省",
    "广东省",
];
pub const TOPICS: &[&str] = &[
    "人工智能",
    "集成电路",
    "新能源汽车",
    "生物医药",
    "量子信息",
    "高原生态",
    "地震应急",
    "现代农业",
    "新材料",
    "智能制造",
    "数字经济",
    "碳达峰碳中和",
    "科技成果转化",
    "科学普及",
    "乡村振兴",
    "大数据",
    "清洁能源",
    "网络安全",
    "藏医药",
    "青稞育种",
];
const KINDS: &[&str] = &[
    "科技计划项目",
    "重点研发计划",
    "自然科学基金",
    "科技服务团",
    "创新平台",
    "科学技术奖",
    "揭榜挂帅项目",
    "科技特派员",
    "高新技术企业认定",
    "技术创新中心",
];
const POLICIES: &[&str] = &[
    "《国家中长期科学和技术发展规划纲要》",
    "《关于深化科技体制改革的意见》",
    "创新驱动发展战略",
    "科技强国建设的决策部署",
    "《中央财政科技计划项目资金管理办法》",
];
const NAMES: &[&str] = &[
    "扎西", "卓玛", "王磊", "李娜", "次仁", "张伟", "格桑", "刘洋",
];
const UNITS: &[&str] = &[
    "西藏自治区科学技术厅",
    "科技计划管理处",
    "成果转化与区域创新处",
    "基础研究处",
    "科技服务中心",
];

/// One generated article.
pub struct Text {
    pub section: Section,
    pub title: String,
    pub publisher: String,
    pub body_md: String,
    pub important: bool,
}

fn title(r: &mut Rng, section: Section, year: u32) -> String {
    let (region, topic, kind) = (r.pick(REGIONS), r.pick(TOPICS), r.pick(KINDS));
    match section {
        Section::Notices => match r.below(3) {
            0 => format!("关于组织申报{year}年度{region}{topic}领域{kind}的通知"),
            1 => format!("关于公布{year}年{topic}{kind}立项名单的公告"),
            _ => format!("关于开展{year}年度{kind}中期检查工作的通知"),
        },
        Section::Guides => format!("{year}年度{region}{topic}领域{kind}申报指南"),
        Section::Faq => format!("{kind}申报常见问题解答（{topic}方向）"),
        Section::Regulations => match r.below(2) {
            0 => format!("{region}{kind}管理办法"),
            _ => format!("关于加强{topic}科技创新的若干措施"),
        },
        Section::Downloads => format!("{year}年{kind}申报书模板及填写说明"),
        Section::Manuals => format!("科技创新服务系统{kind}在线申报操作手册"),
    }
}

fn sentence(r: &mut Rng, year: u32) -> String {
    let (region, topic, topic2, kind) = (
        r.pick(REGIONS),
        r.pick(TOPICS),
        r.pick(TOPICS),
        r.pick(KINDS),
    );
    match r.below(11) {
        0 => format!(
            "为深入贯彻落实{}，加快推进{topic}领域关键核心技术攻关，现将{year}年度{kind}申报工作有关事项通知如下。",
            r.pick(POLICIES)
        ),
        1 => format!(
            "申报单位应为在{region}注册、具有独立法人资格的高等院校、科研院所和企业，近三年内无不良科研信用记录。"
        ),
        2 => format!(
            "项目实施周期一般为{}年，财政资助经费原则上不超过{}万元，鼓励申报单位自筹配套资金。",
            2 + r.below(3),
            (1 + r.below(30)) * 10
        ),
        3 => format!(
            "请各单位于{year}年{}月{}日前通过科技创新服务系统在线填报申报书，并上传营业执照、合作协议等附件。",
            1 + r.below(12),
            1 + r.below(28)
        ),
        4 => format!(
            "重点支持{topic}、{topic2}等方向的应用基础研究和技术示范，鼓励产学研联合申报。"
        ),
        5 => format!(
            "项目负责人应具有高级专业技术职称或博士学位，同期主持{kind}不得超过{}项。",
            1 + r.below(2)
        ),
        6 => "各推荐单位要严格审核申报材料的真实性和完整性，对弄虚作假的，一经查实取消申报资格并记入科研诚信档案。".to_string(),
        7 => format!(
            "联系人：{}，联系电话：0891-68{:05}，电子邮箱：kjt{}@xizang.gov.cn。",
            r.pick(NAMES),
            r.below(100_000),
            r.below(1000)
        ),
        8 => format!("本办法自发布之日起施行，由{region}科学技术厅负责解释。"),
        9 => format!(
            "申报书中的经费预算应符合{}的有关规定，做到目标相关、政策相符、经济合理。",
            r.pick(POLICIES)
        ),
        _ => format!(
            "对于{topic}方向，申请人需说明研究基础、技术路线、预期成果和考核指标，并提供已有的专利、论文或标准。"
        ),
    }
}

/// Article `i` of the corpus: sections in turn, one in forty 重要发布.
pub fn article(i: usize) -> Text {
    let mut r = Rng::new(i as u64 ^ 0x5C16_2A17);
    let section = Section::ALL[i % Section::ALL.len()];
    let year = 2019 + (i % 8) as u32;
    let title = title(&mut r, section, year);
    let mut body_md = String::new();
    let paragraphs = 2 + r.below(3);
    for p in 0..paragraphs {
        if p > 0 {
            body_md.push_str("\n\n");
        }
        if p == 1 && r.below(3) == 0 {
            for n in 1..=3 {
                body_md.push_str(&format!("{n}. {}\n", sentence(&mut r, year)));
            }
            continue;
        }
        for _ in 0..2 + r.below(2) {
            body_md.push_str(&sentence(&mut r, year));
        }
    }
    Text {
        section,
        title,
        publisher: r.pick(UNITS).to_string(),
        body_md,
        important: i.is_multiple_of(40),
    }
}

/// Words a visitor types, one to three of them.
pub fn query(r: &mut Rng) -> String {
    const COMMON: &[&str] = &[
        "科技",
        "项目",
        "申报",
        "指南",
        "通知",
        "企业",
        "经费",
        "高校",
        "专利",
        "平台",
        "管理办法",
        "西藏",
        "成果转化",
        "联合申报",
        "科研诚信",
    ];
    let n = 1 + r.below(3);
    let mut words = Vec::new();
    for _ in 0..n {
        // Half the words are a field, half a common word.
        let w = if r.below(2) == 0 {
            r.pick(TOPICS)
        } else {
            r.pick(COMMON)
        };
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(" ")
}
