-- 指南征集: a solicitation of 指南建议 announced by a published article, over
-- a period, through a declared form (a form_specs row, the built-in
-- 指南建议表 unless staff imported their own); `seq` numbers its
-- submissions. Suggestions belong to a person or a unit account; a
-- person's unit (when a member) is recorded so that the unit sees its
-- members' suggestions. Drafts are kept as typed; a submitted suggestion
-- is frozen with its number and SM3 digest; staff handle it with a state,
-- tags, a reply, and for a duplicate the suggestion it was merged into.

CREATE TABLE solicitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL UNIQUE REFERENCES articles (id),
    form_spec_id INTEGER NOT NULL REFERENCES form_specs (id),
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    opened_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    solicitation_id INTEGER NOT NULL REFERENCES solicitations (id),
    -- 'person' or 'unit'.
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    -- The unit of a person who is its member, or the unit account itself.
    unit_id INTEGER,
    author TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    data_json TEXT NOT NULL,
    state TEXT NOT NULL,
    number TEXT UNIQUE,
    digest TEXT,
    created_at INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    submitted_at INTEGER,
    tags TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    handled_by TEXT NOT NULL DEFAULT '',
    handled_at INTEGER,
    merged_into INTEGER REFERENCES suggestions (id)
);
CREATE INDEX suggestions_of ON suggestions (solicitation_id, state, id);
CREATE INDEX suggestions_by ON suggestions (account_kind, account_id, id);
CREATE INDEX suggestions_of_unit ON suggestions (unit_id, id);
