-- A call as its notice publishes it: its 项目周期 in the notice's words
-- (“2023年11月底前完成”; `period_end` stays the date the form's 项目结束日期
-- is checked against) and the documents staff attach to it (通知附件 such
-- as 附件1 实施要求, rows of `files`), shown on the call's page for download.

ALTER TABLE calls ADD COLUMN period_text TEXT NOT NULL DEFAULT '';

CREATE TABLE call_documents (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    file_id BIGINT NOT NULL REFERENCES files (id),
    -- What the call's page shows (“附件1 项目实施要求”); empty: the file's name.
    title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (call_id, file_id)
);
