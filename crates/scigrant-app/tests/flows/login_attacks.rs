//! Attacks on signing in (issue 7, findings 1, 2, 11 and the sessions part
//! of 7), each run on SQLite and on PostgreSQL: parallel guesses against the
//! lockout, timing that would tell which accounts exist or are locked,
//! anonymous guesses that would sign the owner out, and hashing that would
//! hold up the async workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scigrant_app::admin::audit::{AuditFilter, search_audit};
use scigrant_app::admin::sessions::locked_accounts;
use scigrant_app::identity::auth::{LoginInput, LoginTab, authenticate, login};
use scigrant_app::identity::register::register_person;
use scigrant_app::testing::{PASSWORD, TestEnv, person_form, phone, visitor};
use scigrant_app::{AppError, Config};
use scigrant_store::identity::login_guard;

use super::{new_captcha, new_person, try_login};

const WRONG: &str = "Wrong#pass1";
/// The default threshold of the lockout (5 failures in 15 minutes).
const THRESHOLD: u64 = 5;

async fn lock_events(env: &TestEnv) -> i64 {
    let f = AuditFilter {
        action_prefix: "account.lock".into(),
        ..Default::default()
    };
    search_audit(&env.app, &f, 1).await.unwrap().total
}

/// 30 wrong passwords and the right one sent at once: at most the
/// threshold of wrong guesses is checked against the hash, none fails
/// with a database error, and afterwards the right password is refused
/// without being checked.
async fn parallel_guesses_stop_at_the_threshold(env: TestEnv) {
    let person = new_person(&env, 21).await;
    let login_name = phone(50_021);
    let mut inputs = Vec::new();
    for i in 0..31 {
        inputs.push(LoginInput {
            login: login_name.clone(),
            password: if i == 15 { PASSWORD } else { WRONG }.into(),
            captcha_id: new_captcha(&env).await,
            captcha: "TEST".into(),
            user_agent: String::new(),
        });
    }
    let before = env.app.cache.hasher.evaluated();
    let tasks: Vec<_> = inputs
        .into_iter()
        .map(|input| {
            let app = env.app.clone();
            tokio::spawn(async move { login(&app, &visitor(), LoginTab::Person, &input).await })
        })
        .collect();
    let mut signed_in = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => signed_in += 1,
            Err(AppError::LoginFailed) => {}
            Err(other) => panic!("a parallel login failed with {other:?}"),
        }
    }
    let evaluated = env.app.cache.hasher.evaluated() - before;
    println!(
        "{:?}: {evaluated} of 31 parallel guesses checked, {signed_in} signed in",
        env.backend
    );
    // The right password gives its attempt back, so one more wrong guess
    // may be checked after it; wrong guesses checked never exceed 5.
    assert!(signed_in <= 1);
    assert!(
        evaluated - signed_in <= THRESHOLD,
        "{evaluated} guesses checked"
    );
    assert!(evaluated >= THRESHOLD - 1, "{evaluated} guesses checked");
    assert_eq!(lock_events(&env).await, 1);
    let locked = locked_accounts(&env.app).await.unwrap();
    assert_eq!(
        locked.iter().map(|l| l.account_id).collect::<Vec<_>>(),
        vec![person.0]
    );

    // After the threshold the right password is refused, unchecked.
    let before = env.app.cache.hasher.evaluated();
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    assert_eq!(env.app.cache.hasher.evaluated(), before);
}
both!(parallel_guesses_stop_at_the_threshold);

/// An attempt is taken on the counter, four wrong guesses lock the account
/// while it is being checked, then it turns out right: the lock stays and
/// the right password is refused.
async fn a_lock_set_during_a_correct_attempt_stays(env: TestEnv) {
    let person = new_person(&env, 22).await;
    let login_name = phone(50_022);
    let now = env.app.now();
    let mut tx = env.app.db.begin().await.unwrap();
    let r = login_guard::reserve_attempt(&mut tx, "person", person.0, now, 15 * 60_000, 5)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(r.admitted);
    assert_eq!(r.attempts, 1);
    for _ in 0..4 {
        assert!(matches!(
            try_login(&env, LoginTab::Person, &login_name, WRONG).await,
            Err(AppError::LoginFailed)
        ));
    }
    assert_eq!(lock_events(&env).await, 1);
    // The attempt in flight was right: giving it back leaves the lock.
    let mut tx = env.app.db.begin().await.unwrap();
    let locked_until = login_guard::release_success(&mut tx, "person", person.0, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(locked_until, now + 30 * 60_000);
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    assert_eq!(locked_accounts(&env.app).await.unwrap().len(), 1);
}
both!(a_lock_set_during_a_correct_attempt_stays);

/// Five anonymous wrong guesses lock the account but do not end the
/// owner's session.
async fn wrong_guesses_leave_sessions_alone(env: TestEnv) {
    new_person(&env, 23).await;
    let login_name = phone(50_023);
    let s = try_login(&env, LoginTab::Person, &login_name, PASSWORD)
        .await
        .unwrap();
    for _ in 0..5 {
        assert!(matches!(
            try_login(&env, LoginTab::Person, &login_name, WRONG).await,
            Err(AppError::LoginFailed)
        ));
    }
    assert_eq!(lock_events(&env).await, 1);
    let info = authenticate(&env.app, &s.token).await.unwrap();
    assert_eq!(info.map(|i| i.account_id), Some(s.account_id));
}
both!(wrong_guesses_leave_sessions_alone);

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

async fn timed(env: &TestEnv, login_name: &str) -> Duration {
    let input = LoginInput {
        login: login_name.into(),
        password: WRONG.into(),
        captcha_id: new_captcha(env).await,
        captcha: "TEST".into(),
        user_agent: String::new(),
    };
    let start = Instant::now();
    let r = login(&env.app, &visitor(), LoginTab::Person, &input).await;
    let took = start.elapsed();
    assert!(matches!(r, Err(AppError::LoginFailed)));
    took
}

/// Unknown login, locked account and existing account with a wrong
/// password take the same time: 48 attempts each, interleaved
/// so that load on the machine falls on all three alike.
async fn refused_logins_take_the_same_time(env: TestEnv) {
    const ROUNDS: u32 = 48;
    // Wrong guesses go to 12 accounts, 4 each, so none of them locks.
    for n in 0..ROUNDS / 4 {
        new_person(&env, 30 + n).await;
    }
    new_person(&env, 29).await;
    for _ in 0..5 {
        timed(&env, &phone(50_029)).await;
    }
    assert_eq!(lock_events(&env).await, 1);
    // The dummy hash is made on the first unknown login; not timed.
    timed(&env, &phone(59_999)).await;

    let (mut unknown, mut locked, mut wrong) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        unknown.push(timed(&env, &phone(60_000 + i)).await);
        locked.push(timed(&env, &phone(50_029)).await);
        wrong.push(timed(&env, &phone(50_030 + i / 4)).await);
    }
    assert_eq!(lock_events(&env).await, 1, "no wrong-guess account locked");
    // Each path is one password check and two short transactions with the
    // same statements, so the times differ only by noise. A loaded
    // two-core machine shared with other builds drifts and stalls a commit
    // for milliseconds now and then, which shifts whole medians between
    // runs; so the test compares the median of the differences within a
    // round (three attempts a few milliseconds apart see the same load)
    // and allows the larger of 25% of the fastest median and 2 ms (paired
    // gaps measured here stay under 0.5 ms; an extra UPDATE on one path
    // cost 1-3 ms on PostgreSQL). Work done on one path only (a second
    // hash, an extra statement or transaction) shows in every round and
    // is what this bounds.
    let diff = |a: &[Duration], b: &[Duration]| {
        let mut d: Vec<i128> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.as_nanos() as i128 - y.as_nanos() as i128)
            .collect();
        d.sort();
        Duration::from_nanos(d[d.len() / 2].unsigned_abs() as u64)
    };
    let gaps = [
        diff(&unknown, &locked),
        diff(&unknown, &wrong),
        diff(&locked, &wrong),
    ];
    let medians = [median(&unknown), median(&locked), median(&wrong)];
    println!(
        "{:?}: medians unknown {:?}, locked {:?}, wrong password {:?}; paired gaps {gaps:?}",
        env.backend, medians[0], medians[1], medians[2]
    );
    let fastest = *medians.iter().min().unwrap();
    let tolerance = (fastest / 4).max(Duration::from_millis(2));
    for gap in gaps {
        assert!(
            gap <= tolerance,
            "paired gaps {gaps:?} (medians {medians:?}) exceed {tolerance:?}"
        );
    }
}
both!(refused_logins_take_the_same_time);

/// Eight logins at a real cost run at once while a ticker asks the runtime
/// for a 1 ms sleep again and again: with hashing on the blocking pool the
/// ticker is never held up for half as long as one login takes (on the
/// async workers it waited for whole hashes).
async fn hashing_leaves_the_async_workers_free(env: TestEnv) {
    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        password_iterations: 50_000,
        ..(*env.app.config).clone()
    });
    for n in 0..8 {
        let form = person_form(40 + n, new_captcha(&env).await);
        register_person(&app, &visitor(), &form).await.unwrap();
    }
    let mut inputs = Vec::new();
    for n in 0..9 {
        inputs.push(LoginInput {
            login: phone(50_040 + n % 8),
            password: PASSWORD.into(),
            captcha_id: new_captcha(&env).await,
            captcha: "TEST".into(),
            user_agent: String::new(),
        });
    }
    let first = inputs.pop().unwrap();
    let start = Instant::now();
    login(&app, &visitor(), LoginTab::Person, &first)
        .await
        .unwrap();
    let one_login = start.elapsed();

    let stop = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut longest = Duration::ZERO;
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(t.elapsed());
            }
            longest
        }
    });
    let start = Instant::now();
    let tasks: Vec<_> = inputs
        .into_iter()
        .map(|input| {
            let app = app.clone();
            tokio::spawn(async move { login(&app, &visitor(), LoginTab::Person, &input).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let all = start.elapsed();
    stop.store(true, Ordering::SeqCst);
    let longest_tick = ticker.await.unwrap();
    println!(
        "{:?}: one login {one_login:?}, eight at once {all:?}, longest 1 ms tick {longest_tick:?}",
        env.backend
    );
    // On the async workers a tick waited for whole hashes, with eight
    // logins on two workers several of them: longer than one login. Off
    // them it waits 10-20 ms against 130-220 ms a login; the bound is one
    // login so that a loaded machine (the suite runs tests in parallel)
    // does not fail it while a regression still does.
    assert!(
        longest_tick < one_login,
        "a 1 ms tick took {longest_tick:?}, one login {one_login:?}"
    );
}
both!(hashing_leaves_the_async_workers_free);
