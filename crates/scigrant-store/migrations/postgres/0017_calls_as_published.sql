-- A call as its notice publishes it: its 申报主体 in the notice's words
-- (“中国科协所属全国学会”) with, where they name a closed category, the
-- organisations staff list as eligible (only they may apply when listed),
-- its 项目周期 in the notice's words
-- (“2023年11月底前完成”; `period_end` stays the date the form's 项目结束日期
-- is checked against) and the documents staff attach to it (通知附件 such
-- as 附件1 实施要求, rows of `files`), shown on the call's page for download.

ALTER TABLE calls ADD COLUMN period_text TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN eligibility_text TEXT NOT NULL DEFAULT '';

-- 申报单位名单: matched by 统一社会信用代码 when given (uscc), else by name.
CREATE TABLE call_eligible_units (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE call_documents (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    file_id BIGINT NOT NULL REFERENCES files (id),
    -- What the call's page shows (“附件1 项目实施要求”); empty: the file's name.
    title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (call_id, file_id)
);
