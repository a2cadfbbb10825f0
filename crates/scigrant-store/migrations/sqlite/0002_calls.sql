-- Calls and applications: programs (计划) with their calls (计划类别 /
-- 申报指南), immutable versioned form specifications, applications from
-- draft to acceptance, their history, per-applicant extensions and the
-- arrival of paper copies.

CREATE TABLE programs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    notice TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A form specification never changes once stored; a call that needs a
-- different form points to a new row, applications keep theirs.
CREATE TABLE form_specs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id INTEGER NOT NULL REFERENCES programs (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    task TEXT NOT NULL,
    quota INTEGER NOT NULL,
    cap_cents INTEGER NOT NULL,
    period_end TEXT NOT NULL,
    eligible_kinds TEXT NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    paper_deadline INTEGER NOT NULL,
    form_spec_id INTEGER NOT NULL REFERENCES form_specs (id),
    city_group TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE call_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_bytes INTEGER NOT NULL,
    required INTEGER NOT NULL
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    form_spec_id INTEGER NOT NULL REFERENCES form_specs (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    number TEXT UNIQUE,
    title TEXT NOT NULL,
    data_json TEXT NOT NULL,
    state TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    submitted_at INTEGER,
    submitted_json TEXT,
    digest TEXT,
    pilot_city TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX applications_person ON applications (person_id, call_id);
CREATE INDEX applications_unit ON applications (unit_id, state);
CREATE INDEX applications_call ON applications (call_id, state);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at INTEGER NOT NULL,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    comment TEXT NOT NULL
);
CREATE INDEX application_events_app ON application_events (application_id, at);

CREATE TABLE application_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    attachment_id INTEGER NOT NULL REFERENCES call_attachments (id),
    file_id INTEGER NOT NULL REFERENCES files (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE extensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    until_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX extensions_person ON extensions (call_id, person_id);

CREATE TABLE paper_copies (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    received_at INTEGER NOT NULL,
    copies INTEGER NOT NULL,
    stamped INTEGER NOT NULL,
    late INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
