use super::*;

#[test]
fn chinese_is_cut_into_words() {
    let w = words("关于征集2026年西藏自治区科技计划项目指南建议的通知");
    for want in [
        "征集",
        "西藏",
        "自治区",
        "科技",
        "计划",
        "项目",
        "指南",
        "通知",
    ] {
        assert!(w.iter().any(|x| x == want), "{want} missing from {w:?}");
    }
    assert!(!w.iter().any(|x| x == "，" || x.trim().is_empty()));
}

#[test]
fn title_terms_weigh_more() {
    let t = terms_of("地震应急", "<p>地震</p>");
    let quake = t.iter().find(|(w, _)| w == "地震").map(|(_, n)| *n);
    assert_eq!(quake, Some(TITLE_WEIGHT + 1));
}

#[test]
fn hits_are_highlighted() {
    let p = highlight("定日地震应急攻关", &["地震".to_string()]);
    assert_eq!(
        p,
        vec![
            Piece {
                text: "定日".into(),
                hit: false
            },
            Piece {
                text: "地震".into(),
                hit: true
            },
            Piece {
                text: "应急攻关".into(),
                hit: false
            },
        ]
    );
}

#[test]
fn excerpts_start_near_the_first_hit() {
    let text = format!("{}指南{}", "甲".repeat(100), "乙".repeat(200));
    let e = excerpt(&text, &["指南".to_string()]);
    assert!(e.starts_with('…'));
    assert!(e.contains("指南"));
    assert!(e.ends_with('…'));
}
