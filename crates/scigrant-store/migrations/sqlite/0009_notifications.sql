-- Notifications that arrive: the outbox becomes a queue a worker drains
-- (status queued / sent / failed, attempts, the time of the next attempt;
-- the existing `error` column keeps the last error). Messages already
-- sent stay sent; the rest are queued for the worker.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- 消息中心: every account's own copy of what it was told, read or unread,
-- so nothing depends on an SMS or a mail reaching its recipient.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX messages_account ON messages (account_kind, account_id, id);

-- One-time codes sent to a reserved phone or e-mail (登录名重置密码). One
-- open code per account and purpose: a new code replaces the old. The
-- code is stored only as a keyed hash; `failed` counts wrong entries.
CREATE TABLE one_time_codes (
    purpose TEXT NOT NULL,
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (purpose, account_kind, account_id)
);

-- Every request to send a code, counted per recipient (keyed hash of the
-- phone or e-mail typed, whether or not it matched an account) and per
-- client address, for the send limits.
CREATE TABLE code_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_idx TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX code_sends_recipient ON code_sends (recipient_idx, at);
CREATE INDEX code_sends_ip ON code_sends (ip, at);
