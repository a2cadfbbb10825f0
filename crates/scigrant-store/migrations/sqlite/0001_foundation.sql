-- Foundation: accounts (units, persons, staff), sessions, captchas, files,
-- review decisions, the notification outbox, settings and the audit log.
-- Times are integer milliseconds since the Unix epoch (UTC); flags are 0/1
-- integers so one query text decodes the same on SQLite and PostgreSQL.

CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_rep TEXT NOT NULL,
    reg_place TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone_enc BLOB NOT NULL,
    contact_phone_idx TEXT NOT NULL UNIQUE,
    cert_file_id INTEGER,
    org_cert_file_id INTEGER,
    state TEXT NOT NULL,
    reject_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX units_state ON units (state, created_at);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_type TEXT NOT NULL,
    doc_no_enc BLOB NOT NULL,
    doc_no_idx TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    region_code INTEGER NOT NULL,
    gender TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    phone_enc BLOB NOT NULL,
    phone_idx TEXT NOT NULL UNIQUE,
    unit_id INTEGER REFERENCES units (id),
    department TEXT,
    education TEXT,
    degree TEXT,
    title TEXT,
    id_proof_file_id INTEGER,
    title_proof_file_id INTEGER,
    membership TEXT NOT NULL,
    membership_reason TEXT,
    member_locked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX persons_unit ON persons (unit_id, membership);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- One row per account that ever failed a login: the counter is updated in
-- one statement so parallel attempts lock exactly at the threshold.
CREATE TABLE login_guard (
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL,
    PRIMARY KEY (account_kind, account_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_kind, account_id);

CREATE TABLE captchas (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    digest TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    actor_label TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX decisions_subject ON decisions (subject_kind, subject_id, at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    recipient_enc BLOB NOT NULL,
    recipient_masked TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    error TEXT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id INTEGER,
    outcome TEXT NOT NULL,
    ip TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- The SM3 chain over the audit log, in sealing order (see store::audit).
CREATE TABLE audit_chain (
    seq INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL UNIQUE REFERENCES audit_log (id),
    hash TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
