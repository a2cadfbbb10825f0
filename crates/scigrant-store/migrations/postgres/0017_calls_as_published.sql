-- A call as its notice publishes it: the documents staff attach to it
-- (通知附件 such as 附件1 实施要求, rows of `files`), shown on the call's
-- page for download.

CREATE TABLE call_documents (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    file_id BIGINT NOT NULL REFERENCES files (id),
    -- What the call's page shows (“附件1 项目实施要求”); empty: the file's name.
    title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (call_id, file_id)
);
