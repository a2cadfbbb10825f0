-- 门户 content: the portal's articles (通知公告, 申报指南, 常见问答, 文件法规,
-- 资料下载, 使用说明), every saved version of their text, their
-- attachments (rows of `files`), and the search terms of the published
-- ones (jieba tokens, removed the moment an article is withdrawn).

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    section TEXT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL,
    important INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    -- The time the editor asked for (NULL: on approval).
    scheduled_at INTEGER,
    -- Set on approval: visitors see the article from then on.
    publish_at INTEGER,
    version INTEGER NOT NULL,
    editor_id INTEGER NOT NULL REFERENCES staff (id),
    editor_label TEXT NOT NULL,
    reviewer_label TEXT NOT NULL DEFAULT '',
    return_reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX articles_public ON articles (state, section, publish_at);

CREATE TABLE article_versions (
    article_id INTEGER NOT NULL REFERENCES articles (id),
    version INTEGER NOT NULL,
    section TEXT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    body_md TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE article_files (
    article_id INTEGER NOT NULL REFERENCES articles (id),
    file_id INTEGER NOT NULL REFERENCES files (id),
    PRIMARY KEY (article_id, file_id)
);

CREATE TABLE article_terms (
    term TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    weight INTEGER NOT NULL,
    PRIMARY KEY (term, article_id)
);
CREATE INDEX article_terms_article ON article_terms (article_id);
