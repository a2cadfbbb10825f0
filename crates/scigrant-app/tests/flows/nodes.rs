//! Several nodes on one database (issue 10): two `App`s opened on the same
//! database stand for two nodes, each with its own caches and lease-holder
//! name. Request budgets, job leases and settings hold across them.

use std::sync::Arc;
use std::time::Duration;

use scigrant_app::admin::params::set_params;
use scigrant_app::identity::budget::{admit, purge_full_budgets};
use scigrant_app::jobs::{run_if_leader, runs};
use scigrant_app::params::{SecurityParams, params};
use scigrant_app::testing::{TestEnv, staff_actor};
use scigrant_app::{App, AppError};

/// A second node: the same configuration and clock, its own caches.
async fn other_node(env: &TestEnv) -> App {
    App::open((*env.app.config).clone(), Arc::new(env.clock.clone()))
        .await
        .expect("open the second node")
}

async fn request_budgets_are_the_total_across_nodes(env: TestEnv) {
    let (a, b) = (&env.app, &other_node(&env).await);
    let ip = "203.0.113.7";
    let mut answers = Vec::new();
    for node in [a, b, a, b, a] {
        answers.push(admit(node, "login", ip, 3).await.unwrap());
    }
    assert_eq!(answers, [true, true, true, false, false]);
    assert!(
        admit(b, "login", "203.0.113.8", 3).await.unwrap(),
        "another address"
    );
    assert!(admit(b, "register", ip, 3).await.unwrap(), "another bucket");
    assert!(
        !admit(a, "login", ip, 0).await.unwrap(),
        "a limit of 0 refuses"
    );
    // One request comes back every 20 s (60 s / 3), on either node.
    env.clock.advance_ms(19_999);
    assert!(!admit(b, "login", ip, 3).await.unwrap());
    env.clock.advance_ms(1);
    assert!(admit(b, "login", ip, 3).await.unwrap());
    assert!(!admit(a, "login", ip, 3).await.unwrap());
    // A budget full again loses its row: the other address's and the other
    // bucket's (one request each, 20 s ago) now, this one a minute later.
    assert_eq!(purge_full_budgets(a).await.unwrap(), 2);
    env.clock.advance_ms(59_999);
    assert_eq!(purge_full_budgets(a).await.unwrap(), 0);
    env.clock.advance_ms(1);
    assert_eq!(purge_full_budgets(a).await.unwrap(), 1);
    assert_eq!(
        [
            admit(a, "login", ip, 3).await.unwrap(),
            admit(b, "login", ip, 3).await.unwrap(),
            admit(a, "login", ip, 3).await.unwrap(),
            admit(b, "login", ip, 3).await.unwrap(),
        ],
        [true, true, true, false]
    );
}
both!(request_budgets_are_the_total_across_nodes);

async fn a_scheduled_job_runs_on_one_node_per_lease(env: TestEnv) {
    let (a, b) = (&env.app, &other_node(&env).await);
    let ttl = Duration::from_secs(10);
    let job = || async { Ok::<_, AppError>(7) };
    assert_eq!(run_if_leader(a, "t.job", ttl, job).await.unwrap(), Some(7));
    assert_eq!(run_if_leader(b, "t.job", ttl, job).await.unwrap(), None);
    // The holder renews its lease at its next period.
    env.clock.advance_ms(5_000);
    assert_eq!(run_if_leader(a, "t.job", ttl, job).await.unwrap(), Some(7));
    env.clock.advance_ms(9_999);
    assert_eq!(run_if_leader(b, "t.job", ttl, job).await.unwrap(), None);
    // The holder stopped renewing: the other node takes over.
    env.clock.advance_ms(1);
    assert_eq!(run_if_leader(b, "t.job", ttl, job).await.unwrap(), Some(7));
    assert_eq!(run_if_leader(a, "t.job", ttl, job).await.unwrap(), None);
    assert_eq!(runs(a, "t.job").await.unwrap(), 3);
    assert_eq!(runs(b, "another").await.unwrap(), 0);
    // A failing run still counts and keeps the lease; the error comes back.
    let failing = || async { Err::<u64, _>(AppError::NotFound) };
    assert!(matches!(
        run_if_leader(b, "t.job", ttl, failing).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(runs(b, "t.job").await.unwrap(), 4);
    // Two nodes racing for a free lease: exactly one runs.
    let (x, y) = tokio::join!(
        run_if_leader(a, "t.race", ttl, job),
        run_if_leader(b, "t.race", ttl, job)
    );
    let ran = [x.unwrap(), y.unwrap()];
    assert_eq!(ran.iter().filter(|r| r.is_some()).count(), 1, "{ran:?}");
}
both!(a_scheduled_job_runs_on_one_node_per_lease);

async fn settings_changed_on_one_node_reach_the_others_within_seconds(env: TestEnv) {
    let (a, b) = (&env.app, &other_node(&env).await);
    assert_eq!(params(b).await.unwrap().lock_minutes, 30);
    let new = SecurityParams {
        lock_minutes: 45,
        ..SecurityParams::default()
    };
    set_params(a, &staff_actor(1), new).await.unwrap();
    env.clock.advance_ms(5_000);
    assert_eq!(params(b).await.unwrap(), new);
}
both!(settings_changed_on_one_node_reach_the_others_within_seconds);
