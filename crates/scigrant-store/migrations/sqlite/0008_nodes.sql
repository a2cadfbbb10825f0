-- Several nodes on one database (issue 10).

-- Per-address request budgets (login, registration, captcha) shared by
-- every node: one row per bucket and address holding the GCRA
-- "theoretical arrival time" in ms. A row whose time has passed is a full
-- budget and may be deleted.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    tat BIGINT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- Leases of scheduled jobs: every node schedules every job, the node that
-- holds the lease runs it. `runs` counts the runs, `last_run_at` is the
-- start of the latest one.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0,
    last_run_at BIGINT NOT NULL DEFAULT 0
);
