use super::synthetic::{fj4_application, fj4_copy_reworded, long_application, long_copy_reworded};
use super::*;
use crate::grants::form::samples::{context_fj4, sample_fj4};
use crate::grants::form::{builtin, validate};

const CODE: &str = "KJFWT2023-01";

fn fj4() -> FormSpec {
    builtin("kczg2023-fj4").expect("附件4")
}

fn text_of(data: &FormData) -> ApplicantText {
    applicant_text(&fj4(), data, CODE)
}

fn estimated(a: &FormData, b: &FormData) -> f64 {
    let signer = Signer::new();
    let sa = signer.sign(&text_of(a)).expect("own text");
    let sb = signer.sign(&text_of(b)).expect("own text");
    sa.similarity(&sb)
}

#[test]
fn own_text_leaves_out_labels_hints_pinned_values_and_short_fields() {
    let mut data = sample_fj4();
    // The applicant pasted the form's hint in front of their own text.
    data.insert(
        "main_content".into(),
        Value::Text(
            "主要工作思路、内容等。围绕柳州新能源汽车产业需求，汇聚50项以上可转移转化的科技成果并提供产业化方案。"
                .into(),
        ),
    );
    let text = text_of(&data);
    let keys: Vec<&str> = text.passages.iter().map(|p| p.key.as_str()).collect();
    // Names, phones, e-mails, dates, amounts, the pinned cover and short
    // values (团长工作单位及职务, 科技服务团名称, 产业方向…) are not own text.
    assert_eq!(
        keys,
        vec![
            "unit_intro",
            "rationale",
            "main_content",
            "outcomes",
            "conditions"
        ]
    );
    let main = text
        .passages
        .iter()
        .find(|p| p.key == "main_content")
        .expect("main_content");
    assert_eq!(
        main.sentences,
        vec!["围绕柳州新能源汽车产业需求，汇聚50项以上可转移转化的科技成果并提供产业化方案。"]
    );
    assert!(text.passages.iter().all(|p| {
        p.sentences
            .iter()
            .all(|s| !s.contains("科创中国”科技服务团示范项目"))
    }));
}

#[test]
fn normalising_folds_full_width_and_drops_punctuation() {
    assert_eq!(normalise("２０２３年，ＡＢｃ  项目。"), "2023年abc项目");
    assert_eq!(
        sentences("第一句。第二句；第三句！\n第四句？尾巴"),
        vec!["第一句。", "第二句；", "第三句！", "第四句？", "尾巴"]
    );
}

#[test]
fn generated_applications_are_valid_fj4_forms() {
    for seed in 0..20 {
        let data = fj4_application(seed);
        assert_eq!(
            validate(&fj4(), &data, &context_fj4()),
            vec![],
            "seed {seed}"
        );
        let copy = fj4_copy_reworded(&data, 1000 + seed);
        assert_eq!(
            validate(&fj4(), &copy, &context_fj4()),
            vec![],
            "copy {seed}"
        );
    }
}

#[test]
fn a_copy_with_a_fifth_of_its_sentences_reworded_is_flagged() {
    for seed in 0..30 {
        let original = fj4_application(seed);
        let copy = fj4_copy_reworded(&original, 5000 + seed);
        let a = text_of(&original);
        let b = text_of(&copy);
        let total: usize = a.passages.iter().map(|p| p.sentences.len()).sum();
        let same = a
            .passages
            .iter()
            .flat_map(|p| &p.sentences)
            .filter(|s| b.passages.iter().any(|q| q.sentences.contains(s)))
            .count();
        // Exactly the sentences at 2 mod 5 were reworded: a fifth, rounded.
        assert!(
            (total - same) * 5 >= total.saturating_sub(4) && (total - same) * 5 <= total + 5,
            "seed {seed}: {same} of {total} sentences kept"
        );
        let exact = jaccard(&a.shingles(), &b.shingles());
        let est = estimated(&original, &copy);
        assert!(exact >= 0.55, "seed {seed}: exact {exact}");
        assert!(
            est >= DEFAULT_THRESHOLD,
            "seed {seed}: estimate {est} (exact {exact})"
        );
        // And the index finds it among unrelated applications.
        let signer = Signer::new();
        let mut index = Index::new(DEFAULT_THRESHOLD);
        index.insert(1, &signer.sign(&a).expect("a"));
        for other in 0..50 {
            let d = fj4_application(10_000 + other);
            index.insert(100 + other as i64, &signer.sign(&text_of(&d)).expect("d"));
        }
        let found = index.query(&signer.sign(&b).expect("b"), None);
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![1],
            "seed {seed}"
        );
    }
}

#[test]
fn different_applications_on_the_same_template_are_not_flagged() {
    let signer = Signer::new();
    let texts: Vec<ApplicantText> = (0..60).map(|s| text_of(&fj4_application(s))).collect();
    let sigs: Vec<Signature> = texts
        .iter()
        .map(|t| signer.sign(t).expect("own text"))
        .collect();
    let mut worst: f64 = 0.0;
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            let exact = jaccard(&texts[i].shingles(), &texts[j].shingles());
            worst = worst.max(exact);
            assert!(
                sigs[i].similarity(&sigs[j]) < DEFAULT_THRESHOLD,
                "{i} vs {j}: estimate {} (exact {exact})",
                sigs[i].similarity(&sigs[j])
            );
        }
    }
    assert!(
        worst < 0.25,
        "most similar pair of different applications: {worst}"
    );
    let mut index = Index::new(DEFAULT_THRESHOLD);
    for (i, s) in sigs.iter().enumerate() {
        index.insert(i as i64, s);
    }
    for (i, s) in sigs.iter().enumerate() {
        assert_eq!(index.query(s, Some(i as i64)), vec![], "application {i}");
    }
}

#[test]
fn two_applications_of_one_unit_share_its_intro_without_being_flagged() {
    let a = fj4_application(1);
    let mut b = fj4_application(2);
    b.insert("unit_intro".into(), a["unit_intro"].clone());
    assert!(estimated(&a, &b) < DEFAULT_THRESHOLD);
}

#[test]
fn the_same_template_filled_with_the_sample_twice_is_identical() {
    assert_eq!(estimated(&sample_fj4(), &sample_fj4()), 1.0);
}

#[test]
fn an_application_without_own_text_has_no_signature() {
    let empty = FormData::new();
    assert!(text_of(&empty).is_empty());
    assert_eq!(Signer::new().sign(&text_of(&empty)), None);
}

#[test]
fn signatures_survive_storage_and_do_not_depend_on_the_process() {
    let sig = Signer::new()
        .sign(&text_of(&sample_fj4()))
        .expect("own text");
    let bytes = sig.to_bytes();
    assert_eq!(bytes.len(), HASHES * 4);
    assert_eq!(Signature::from_bytes(&bytes), Some(sig.clone()));
    assert_eq!(Signature::from_bytes(&bytes[1..]), None);
    // A second signer (as in another process) gives the same values.
    assert_eq!(Signer::new().sign(&text_of(&sample_fj4())), Some(sig));
}

#[test]
fn overlap_pairs_the_copied_sentences_and_leaves_the_reworded_ones() {
    let original = fj4_application(7);
    let copy = fj4_copy_reworded(&original, 77);
    let a = text_of(&original);
    let b = text_of(&copy);
    let o = overlap(&a, &b);
    let kept = a
        .passages
        .iter()
        .flat_map(|p| &p.sentences)
        .filter(|s| b.passages.iter().any(|q| q.sentences.contains(s)))
        .count();
    // Every sentence kept verbatim is a pair of similarity 1; a reworded
    // one is paired only if the rewording kept most of its words.
    let identical = o.pairs.iter().filter(|p| p.similarity == 1.0).count();
    assert_eq!(identical, kept);
    assert!(o.pairs.iter().all(|p| p.similarity >= SENTENCE_MATCH));
    for p in &o.pairs {
        assert!(
            o.left
                .iter()
                .flat_map(|m| &m.sentences)
                .any(|s| s.pair == Some(p.number) && s.text == p.left)
        );
        assert!(
            o.right
                .iter()
                .flat_map(|m| &m.sentences)
                .any(|s| s.pair == Some(p.number) && s.text == p.right)
        );
    }
    // Numbered in the order of the left application, from 1.
    let numbers: Vec<usize> = o
        .left
        .iter()
        .flat_map(|m| &m.sentences)
        .filter_map(|s| s.pair)
        .collect();
    assert_eq!(numbers, (1..=o.pairs.len()).collect::<Vec<_>>());
    assert!((o.jaccard - jaccard(&a.shingles(), &b.shingles())).abs() < 1e-12);
}

#[test]
fn overlap_of_two_different_applications_marks_little() {
    let a = text_of(&fj4_application(3));
    let b = text_of(&fj4_application(4));
    let o = overlap(&a, &b);
    let total: usize = a.passages.iter().map(|p| p.sentences.len()).sum();
    assert!(o.pairs.len() * 4 < total, "{} of {total}", o.pairs.len());
}

#[test]
fn long_applications_copy_and_differ_as_the_short_ones() {
    let signer = Signer::new();
    let sign = |fields: &[(String, String)]| {
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(l, t)| (l.as_str(), t.as_str()))
            .collect();
        let text = ApplicantText::from_fields(&refs);
        assert!(text.chars() > 2000, "{} characters", text.chars());
        signer.sign(&text).expect("own text")
    };
    let a = long_application(1);
    let copy = long_copy_reworded(&a, 2);
    let other = long_application(3);
    assert!(sign(&a).similarity(&sign(&copy)) >= DEFAULT_THRESHOLD);
    assert!(sign(&a).similarity(&sign(&other)) < 0.3);
}

#[test]
fn thresholds_outside_the_useful_range_are_refused() {
    assert_eq!(threshold_from("0.5"), Ok(0.5));
    assert_eq!(threshold_from(" 0.8 "), Ok(0.8));
    for bad in ["", "abc", "0.1", "1.5", "-1"] {
        assert_eq!(
            threshold_from(bad),
            Err("相似度阈值应为0.3至1之间的小数，例如0.5".to_string())
        );
    }
}

#[test]
fn the_scheme_pins_the_hash_values() {
    // Stored signatures are compared with new ones: an upgrade of gaoya,
    // rand or fnv that changes these values must come with a new SCHEME.
    let sig = Signer::new()
        .sign(&text_of(&sample_fj4()))
        .expect("own text");
    assert_eq!(&sig.to_bytes()[..16], PINNED);
}
/// The first four values of the sample's signature under [`SCHEME`].
const PINNED: &[u8] = &[
    185, 213, 52, 0, 54, 203, 16, 0, 22, 46, 50, 0, 100, 95, 87, 0,
];
