//! Ranking and export of a large call (issue 8): 10,000 accepted
//! applications of one call, each with 3 submitted reviews, then the
//! staff's 评审结果 (aggregation and ranking, `ranking`) and the Excel export
//! of every review joined to its application (`export_reviews`), both
//! through the use cases, database reads included.
//!
//! ```sh
//! cargo run --release -p scigrant-app --example rank_bench            # SQLite
//! cargo run --release -p scigrant-app --example rank_bench -- --db postgres
//! cargo run --release -p scigrant-app --example rank_bench -- --apps 2000
//! ```
//!
//! Set-up: one application goes the whole way through the use cases
//! (drafted, submitted, recommended, accepted); the others are copies of
//! its row with their own numbers, and the reviews are written straight
//! into the tables, since the set-up is not what is measured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use scigrant_app::evaluation::review::{PlanForm, export_reviews, ranking, save_plan};
use scigrant_app::testing::{
    accepted_application, approved_expert, funding_call, join_unit, staff_actor, test_env,
};
use scigrant_store::Backend;
use scigrant_store::sqlx;

const REVIEWERS: usize = 3;
const EXPERTS: u32 = 100;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let apps: usize = arg("--apps").map_or(10_000, |s| s.parse().expect("--apps N"));
    let backend = match arg("--db").as_deref() {
        None | Some("sqlite") => Backend::Sqlite,
        Some("postgres") => Backend::Postgres,
        Some(other) => panic!("--db sqlite|postgres, not {other}"),
    };
    let env = test_env(backend).await;
    let app = &env.app;
    let t = Instant::now();
    let call = funding_call(app, "KJFWT2023-01", "500", "60").await;
    let (member, first) =
        accepted_application(app, call, 1, "高原特色农产品冷链物流关键技术").await;
    let manager = staff_actor(99);
    let plan = PlanForm {
        reviewers: REVIEWERS.to_string(),
        min_load: "0".into(),
        max_load: "500".into(),
        accept_deadline: "2023-05-10".into(),
        review_deadline: "2023-05-20 18:00".into(),
        hide_identity: true,
        sheet_json: String::new(),
    };
    let plan_id = save_plan(app, &manager, call, &plan).await.expect("plan");
    let mut experts = Vec::new();
    for n in 0..EXPERTS {
        let (person, _) = join_unit(app, member.unit, 1000 + n).await;
        let e = approved_expert(app, person, None, &["520"], &["冷链", "物流"]).await;
        experts.push(e.0);
    }

    let mut tx = app.db.begin().await.expect("begin");
    for i in 1..apps {
        sqlx::query(
            "INSERT INTO applications (call_id, form_spec_id, person_id, unit_id, number, title, data_json, state, saved_at, submitted_at, submitted_json, digest, pilot_city, created_at, updated_at) \
             SELECT call_id, form_spec_id, person_id, unit_id, $1, title, data_json, state, saved_at, submitted_at, submitted_json, digest, pilot_city, created_at, updated_at FROM applications WHERE id = $2",
        )
        .bind(format!("BENCH-{i:06}"))
        .bind(first.0)
        .execute(&mut *tx)
        .await
        .expect("copy application");
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM applications WHERE call_id = $1 ORDER BY id")
            .bind(call.0)
            .fetch_all(&mut *tx)
            .await
            .expect("application ids");
    let comment = "该项目立足高原特色农产品流通的实际需求，研究目标明确，技术路线基本可行，\
                   团队具有较好的前期积累；建议进一步细化考核指标，压缩设备购置费用，加强与企业的合作。";
    for (k, app_id) in ids.iter().enumerate() {
        for r in 0..REVIEWERS {
            let expert = experts[(k * REVIEWERS + r) % experts.len()];
            let score = 60 + ((k * 7 + r * 13) % 40) as i64;
            let (grade, opinion) = match score {
                90.. => ("A", "priority"),
                75.. => ("B", "fundable"),
                _ => ("C", "not_funded"),
            };
            let assignment: i64 = sqlx::query_scalar(
                "INSERT INTO review_assignments (plan_id, application_id, expert_id, state, pinned, match_score, reason, created_at, responded_at) \
                 VALUES ($1, $2, $3, 'accepted', 0, 600, '', 0, 0) RETURNING id",
            )
            .bind(plan_id.0)
            .bind(app_id)
            .bind(expert)
            .fetch_one(&mut *tx)
            .await
            .expect("assignment");
            let data = serde_json::json!({
                "innovation": (score * 30 / 100).to_string(),
                "feasibility": (score * 25 / 100).to_string(),
                "foundation": (score * 20 / 100).to_string(),
                "outcomes": (score * 15 / 100).to_string(),
                "budget": (score * 10 / 100).to_string(),
                "comment": comment,
            });
            sqlx::query(
                "INSERT INTO reviews (assignment_id, data_json, total_tenths, grade, opinion, state, saved_at, submitted_at) \
                 VALUES ($1, $2, $3, $4, $5, 'submitted', 0, 0)",
            )
            .bind(assignment)
            .bind(data.to_string())
            .bind(score * 10)
            .bind(grade)
            .bind(opinion)
            .execute(&mut *tx)
            .await
            .expect("review");
        }
    }
    tx.commit().await.expect("commit");
    println!(
        "set-up: {} applications × {REVIEWERS} reviews over {EXPERTS} experts on {backend:?} in {:.1} s",
        ids.len(),
        t.elapsed().as_secs_f64()
    );

    let mut rank_ms = Vec::new();
    let mut export_ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = ranking(app, call, false).await.expect("ranking");
        rank_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let ranked: usize = r.categories.iter().map(|(_, l)| l.len()).sum();
        assert_eq!(ranked, ids.len(), "every application ranked");
        let t = Instant::now();
        let bytes = export_reviews(app, &manager, call, &[])
            .await
            .expect("export");
        export_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(bytes.len() > 10_000);
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let worst = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!(
        "ranking (评审结果): best {:.0} ms, worst {:.0} ms of 5",
        best(&rank_ms),
        worst(&rank_ms)
    );
    println!(
        "export of {} reviews (ranking included): best {:.0} ms, worst {:.0} ms of 5",
        ids.len() * REVIEWERS,
        best(&export_ms),
        worst(&export_ms)
    );
}
