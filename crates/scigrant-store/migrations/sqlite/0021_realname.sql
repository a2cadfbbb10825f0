-- 实名认证 (issue 13 #4): the fields of 我的信息 the registration did not
-- ask for, the 法定代表人's document for a unit's 修改法人信息, one
-- verification row per account, and a call's requirement that applicants
-- and their units be verified.

ALTER TABLE persons ADD COLUMN nation TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN post TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN tel TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN doc_valid_until TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN address TEXT NOT NULL DEFAULT '';

ALTER TABLE units ADD COLUMN legal_rep_doc_type TEXT NOT NULL DEFAULT '';
-- Sealed for the row (units.legal_rep_doc_no_enc#id); NULL until given.
ALTER TABLE units ADD COLUMN legal_rep_doc_no_enc BLOB;

-- No row: 未认证. `generation` moves at every request to the provider so a
-- late answer about superseded details is dropped.
CREATE TABLE realname (
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    generation INTEGER NOT NULL DEFAULT 0,
    front_file_id INTEGER REFERENCES files (id),
    back_file_id INTEGER REFERENCES files (id),
    queued_at INTEGER,
    decided_by TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_kind, account_id)
);
CREATE INDEX realname_queue ON realname (status, queued_at);

ALTER TABLE calls ADD COLUMN realname_required INTEGER NOT NULL DEFAULT 0;
