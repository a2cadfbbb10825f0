//! 查重 on both databases: a copy with a fifth of its sentences reworded
//! is listed for staff (across calls) with its overlapping passages; two
//! different applications on the same 附件4 template are not; a unit sees
//! a near-duplicate among its own applications before it recommends.

use scigrant_app::AppError;
use scigrant_app::evaluation::similarity::{compare, pairs_of_call, unit_applications};
use scigrant_app::grants::applications::{self, Reader, recommend, submit};
use scigrant_app::testing::{ApprovedMember, TestEnv, join_unit, person_actor, unit_actor};
use scigrant_domain::evaluation::dedup::synthetic::{fj4_application, fj4_copy_reworded};
use scigrant_domain::evaluation::dedup::{DEFAULT_THRESHOLD, applicant_text};
use scigrant_domain::grants::form::{FormData, builtin};
use scigrant_domain::ids::{ApplicationId, CallId, PersonId, UnitId};

use super::calls::{CLOSE, cast_call};

async fn submitted(
    env: &TestEnv,
    person: PersonId,
    call: CallId,
    data: &FormData,
) -> ApplicationId {
    let me = person_actor(person.0);
    let id = applications::start(&env.app, &me, person, call)
        .await
        .unwrap();
    submit(&env.app, &me, person, id, data).await.unwrap();
    id
}

async fn recommended(env: &TestEnv, unit: UnitId, id: ApplicationId) {
    recommend(&env.app, &unit_actor(unit.0), unit, id, &[true; 3])
        .await
        .unwrap();
}

/// Sentences of `a` that `b` kept word for word (own text, as the form
/// and call `code` define it).
fn kept(a: &FormData, b: &FormData, code_a: &str, code_b: &str) -> usize {
    let spec = builtin("kczg2023-fj4").unwrap();
    let ta = applicant_text(&spec, a, code_a);
    let tb = applicant_text(&spec, b, code_b);
    ta.passages
        .iter()
        .flat_map(|p| &p.sentences)
        .filter(|s| tb.passages.iter().any(|q| q.sentences.contains(s)))
        .count()
}

pub(crate) async fn a_reworded_copy_is_listed_for_staff_with_its_passages(env: TestEnv) {
    let mut members = Vec::new();
    for n in 41..45 {
        members.push(ApprovedMember::builder(n).build(&env.app).await);
    }
    let call = cast_call(&env, "KJFWT2023-01", "kczg2023-fj4", "55", "").await;
    // Another program and call, as a later year's would be.
    let other_call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 60_000);
    let original = fj4_application(11);
    let copy = fj4_copy_reworded(&original, 12);
    let a = submitted(&env, members[0].person, call, &original).await;
    let b = submitted(&env, members[1].person, other_call, &copy).await;
    // Two genuinely different applications on the same template.
    let c = submitted(&env, members[2].person, call, &fj4_application(13)).await;
    let d = submitted(&env, members[3].person, call, &fj4_application(14)).await;
    for (m, id) in [(&members[0], a), (&members[2], c), (&members[3], d)] {
        recommended(&env, m.unit, id).await;
    }

    // The copy is still with its unit: the authority does not see it yet.
    let found = pairs_of_call(&env.app, call, Some(DEFAULT_THRESHOLD))
        .await
        .unwrap();
    assert_eq!(found.call.code, "KJFWT2023-01");
    assert_eq!(found.pairs, vec![]);

    recommended(&env, members[1].unit, b).await;
    let found = pairs_of_call(&env.app, call, Some(DEFAULT_THRESHOLD))
        .await
        .unwrap();
    let listed: Vec<(&str, &str, &str, &str)> = found
        .pairs
        .iter()
        .map(|p| {
            (
                p.left.number.as_str(),
                p.right.number.as_str(),
                p.right.call_code.as_str(),
                p.right.unit_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![(
            "KJFWT2023-01-0001",
            "KJFWT2023-03-0001",
            "KJFWT2023-03",
            "西藏高原科学研究所42"
        )]
    );
    let similarity = found.pairs[0].similarity;
    assert!(similarity >= DEFAULT_THRESHOLD, "{similarity}");
    // From the other call the same pair is seen the other way round.
    let back = pairs_of_call(&env.app, other_call, Some(DEFAULT_THRESHOLD))
        .await
        .unwrap();
    assert_eq!(back.pairs.len(), 1);
    assert_eq!((back.pairs[0].left.id, back.pairs[0].right.id), (b, a));
    // A threshold of 1 (identical only) lists nothing.
    assert_eq!(
        pairs_of_call(&env.app, call, Some(1.0))
            .await
            .unwrap()
            .pairs,
        vec![]
    );

    // Side by side: every sentence kept word for word is a numbered pair,
    // marked on both sides.
    let cmp = compare(&env.app, Reader::Staff, a, b).await.unwrap();
    assert_eq!(cmp.estimated, Some(similarity));
    let identical = cmp.pairs.iter().filter(|p| p.similarity == 1.0).count();
    assert_eq!(
        identical,
        kept(&original, &copy, "KJFWT2023-01", "KJFWT2023-03")
    );
    assert!(identical > 0);
    for p in &cmp.pairs {
        let marked_left = cmp
            .left_text
            .iter()
            .flat_map(|m| &m.sentences)
            .filter(|s| s.pair == Some(p.number))
            .map(|s| s.text.clone())
            .collect::<Vec<_>>();
        let marked_right = cmp
            .right_text
            .iter()
            .flat_map(|m| &m.sentences)
            .filter(|s| s.pair == Some(p.number))
            .map(|s| s.text.clone())
            .collect::<Vec<_>>();
        assert_eq!(marked_left, vec![p.left.clone()]);
        assert_eq!(marked_right, vec![p.right.clone()]);
    }
    // The different ones overlap in little.
    let cd = compare(&env.app, Reader::Staff, c, d).await.unwrap();
    assert!(cd.estimated.unwrap() < DEFAULT_THRESHOLD);
    assert_eq!(cd.pairs.iter().filter(|p| p.similarity == 1.0).count(), 0);
    // A unit cannot open another unit's application through 查重.
    assert!(matches!(
        compare(&env.app, Reader::Unit(members[0].unit.0), a, b).await,
        Err(AppError::NotFound)
    ));
}
both!(a_reworded_copy_is_listed_for_staff_with_its_passages);

pub(crate) async fn a_unit_sees_a_near_duplicate_among_its_own(env: TestEnv) {
    let ApprovedMember { unit, person, .. } = ApprovedMember::builder(51).build(&env.app).await;
    let (second, _) = join_unit(&env.app, unit, 52).await;
    let (third, _) = join_unit(&env.app, unit, 53).await;
    let call = cast_call(&env, "KJFWT2023-01", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 60_000);
    let original = fj4_application(21);
    let a = submitted(&env, person, call, &original).await;
    let b = submitted(&env, second, call, &fj4_copy_reworded(&original, 22)).await;
    let c = submitted(&env, third, call, &fj4_application(23)).await;

    let list = unit_applications(&env.app, unit).await.unwrap();
    assert_eq!(list.items.len(), 3);
    let flagged: Vec<(ApplicationId, Vec<(ApplicationId, String)>)> = list
        .duplicates
        .iter()
        .map(|(id, ds)| {
            (
                *id,
                ds.iter().map(|d| (d.other, d.number.clone())).collect(),
            )
        })
        .collect();
    assert_eq!(
        flagged,
        vec![
            (a, vec![(b, "KJFWT2023-01-0002".to_string())]),
            (b, vec![(a, "KJFWT2023-01-0001".to_string())]),
        ]
    );
    assert!(!list.duplicates.contains_key(&c));
    let cmp = compare(&env.app, Reader::Unit(unit.0), a, b).await.unwrap();
    assert!(cmp.estimated.unwrap() >= DEFAULT_THRESHOLD);
    assert!(!cmp.pairs.is_empty());
    // Before any 推荐, staff see nothing of them.
    assert_eq!(
        pairs_of_call(&env.app, call, Some(DEFAULT_THRESHOLD))
            .await
            .unwrap()
            .pairs,
        vec![]
    );
    assert!(matches!(
        compare(&env.app, Reader::Staff, a, b).await,
        Err(AppError::NotFound)
    ));
}
both!(a_unit_sees_a_near_duplicate_among_its_own);
