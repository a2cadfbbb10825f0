-- 征求意见 on a draft 申报指南: one consultation per published guide article
-- (its period, whether visitors without an account may comment, the
-- guide's section headings one per line, and once closed the 处理情况说明),
-- and the comments on its sections: the commenter's name and unit, the
-- phone sealed (nonce ‖ SM4-GCM) with its masked form for display, and how
-- staff handled each (state, reply, who, when).

CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL UNIQUE REFERENCES articles (id),
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    -- 1: anyone may comment; 0: signed-in accounts only.
    anonymous INTEGER NOT NULL,
    -- The section headings, one per line, fixed once opened.
    sections TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    closed_by TEXT NOT NULL DEFAULT '',
    closed_at INTEGER
);

CREATE TABLE consultation_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id),
    -- 1-based position in the consultation's sections.
    section_no INTEGER NOT NULL,
    body TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    phone_enc BLOB NOT NULL,
    phone_masked TEXT NOT NULL,
    -- The signed-in account that commented, if any.
    account_kind TEXT NOT NULL DEFAULT '',
    account_id INTEGER,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    replied_by TEXT NOT NULL DEFAULT '',
    replied_at INTEGER
);
CREATE INDEX consultation_comments_of ON consultation_comments (consultation_id, section_no, id);
