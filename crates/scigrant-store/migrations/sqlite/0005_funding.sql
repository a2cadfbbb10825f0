-- 立项 and 立项公示: the budget staff set per call, the decision on each
-- accepted application, the notices published on the portal with what
-- they listed, and the objections (异议) lodged against them. The
-- objector's contact is sealed like other personal data.

CREATE TABLE call_budgets (
    call_id INTEGER PRIMARY KEY REFERENCES calls (id),
    budget_cents INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
);

-- One current decision per application; `reopened` = 1 when an upheld
-- objection sent it back to staff (it then counts for nothing).
CREATE TABLE funding_decisions (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    call_id INTEGER NOT NULL REFERENCES calls (id),
    verdict TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    reopened INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX funding_decisions_call ON funding_decisions (call_id, verdict);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    published_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notices_call ON notices (call_id, kind);

-- What a notice listed, as published: later decisions do not change it.
CREATE TABLE notice_items (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    project TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    leader TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (notice_id, application_id)
);

CREATE TABLE objections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    objector_name TEXT NOT NULL,
    objector_unit TEXT NOT NULL,
    contact_enc BLOB NOT NULL,
    contact_masked TEXT NOT NULL,
    grounds TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files (id),
    state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    outcome_reason TEXT NOT NULL DEFAULT '',
    handled_by TEXT NOT NULL DEFAULT '',
    handled_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX objections_notice ON objections (notice_id, state);
