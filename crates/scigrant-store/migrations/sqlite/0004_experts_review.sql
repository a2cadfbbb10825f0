-- 专家评审: the expert library (专家库) and the review of a call's
-- accepted applications by its experts (函评; a 会评 round is a second
-- plan row). An expert is a natural person's account with a profile that
-- staff approve; assignments pair an expert with an application and carry
-- their own life cycle (proposed → accepted / declined / released /
-- expired); a review holds the expert's scoring form, declared with the
-- same form engine as applications, until it is submitted and locked.

CREATE TABLE experts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL UNIQUE REFERENCES persons (id),
    unit_id INTEGER REFERENCES units (id),
    unit_name TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    keywords TEXT NOT NULL,
    email_domain TEXT NOT NULL DEFAULT '',
    region_code INTEGER NOT NULL DEFAULT 0,
    available INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX experts_state ON experts (state);

-- 学科 codes of GB/T 13745-2009; one row per code, exactly one primary.
CREATE TABLE expert_disciplines (
    expert_id INTEGER NOT NULL REFERENCES experts (id),
    code TEXT NOT NULL,
    is_primary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (expert_id, code)
);
CREATE INDEX expert_disciplines_code ON expert_disciplines (code);

-- Units and persons the expert declared they must avoid (回避).
CREATE TABLE expert_avoids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    expert_id INTEGER NOT NULL REFERENCES experts (id),
    unit_id INTEGER REFERENCES units (id),
    person_id INTEGER REFERENCES persons (id),
    name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX expert_avoids_expert ON expert_avoids (expert_id);

-- One review plan per call and round (1 = 函评, 2 = 会评).
CREATE TABLE review_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    round INTEGER NOT NULL,
    reviewers_per_app INTEGER NOT NULL,
    min_load INTEGER NOT NULL,
    max_load INTEGER NOT NULL,
    accept_deadline INTEGER NOT NULL,
    review_deadline INTEGER NOT NULL,
    hide_identity INTEGER NOT NULL,
    form_spec_id INTEGER NOT NULL REFERENCES form_specs (id),
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (call_id, round)
);

CREATE TABLE review_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES review_plans (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    expert_id INTEGER NOT NULL REFERENCES experts (id),
    state TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    match_score INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    conflict_confirmed_at INTEGER,
    created_at INTEGER NOT NULL,
    responded_at INTEGER,
    UNIQUE (plan_id, application_id, expert_id)
);
CREATE INDEX review_assignments_expert ON review_assignments (expert_id, state);
CREATE INDEX review_assignments_application ON review_assignments (application_id, state);

-- The expert's scoring form: autosaved as a draft, locked once submitted;
-- staff may reopen it with a reason.
CREATE TABLE reviews (
    assignment_id INTEGER PRIMARY KEY REFERENCES review_assignments (id),
    data_json TEXT NOT NULL,
    total_tenths INTEGER,
    grade TEXT NOT NULL DEFAULT '',
    opinion TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    submitted_at INTEGER,
    reopen_reason TEXT NOT NULL DEFAULT ''
);
