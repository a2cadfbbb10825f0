-- 申诉找回密码 (自然人 / 单位法人用户): the appeal, reviewed by the
-- 账号审核员. The ID and phone numbers are sealed for their row (SM4-GCM)
-- with a blind index beside them; the images live in `files`
-- (owner_kind 'appeal', owner_id the appeal's id) until the retention job
-- deletes them (`images_purged_at`). An approved appeal gives the account
-- a one-time password that must be changed at the next login
-- (`must_change_password` on persons and units).

ALTER TABLE persons ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE units ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    identity_type TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    doc_no_enc BLOB NOT NULL,
    doc_no_idx TEXT NOT NULL,
    phone_enc BLOB NOT NULL,
    phone_idx TEXT NOT NULL,
    unit_id INTEGER,
    state TEXT NOT NULL,
    reason TEXT,
    account_kind TEXT,
    account_id INTEGER,
    decided_by INTEGER,
    decided_at INTEGER,
    images_purged_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX appeals_queue ON appeals (state, created_at);
CREATE INDEX appeals_decided ON appeals (decided_at);
