-- 字典管理 (issue 12, item 17): the lists the forms offer — 单位性质,
-- 证件类型, 个人学历, 最高学位, 个人职称, 所在部门 — kept by the 系统管理员
-- instead of in code. Records hold an entry's code; a code is unique per
-- dictionary, never changes and is never deleted (a retired entry is
-- disabled, so records that hold it still read its label). Every change
-- is kept in dictionary_history (who, when, old → new). The rows below are
-- the entries that lived in code until now, with the same codes: 单位性质
-- keeps the codes a call's 申报主体 names, 证件类型 the codes persons hold,
-- and 学历 / 学位 / 职称 the words persons' profiles hold.

CREATE TABLE dictionary_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dict TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (dict, code)
);

CREATE TABLE dictionary_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dict TEXT NOT NULL,
    code TEXT NOT NULL,
    -- 'add', 'rename', 'reorder', 'enable' or 'disable'.
    change TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    actor_label TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX dictionary_history_dict ON dictionary_history (dict, at);

CREATE TRIGGER dictionary_entries_no_delete BEFORE DELETE ON dictionary_entries
BEGIN SELECT RAISE(ABORT, 'dictionary entries are never deleted'); END;
CREATE TRIGGER dictionary_entries_code_fixed BEFORE UPDATE OF dict, code ON dictionary_entries
WHEN NEW.dict <> OLD.dict OR NEW.code <> OLD.code
BEGIN SELECT RAISE(ABORT, 'a dictionary code never changes'); END;
CREATE TRIGGER dictionary_history_no_update BEFORE UPDATE ON dictionary_history
BEGIN SELECT RAISE(ABORT, 'dictionary_history is append-only'); END;
CREATE TRIGGER dictionary_history_no_delete BEFORE DELETE ON dictionary_history
BEGIN SELECT RAISE(ABORT, 'dictionary_history is append-only'); END;

INSERT INTO dictionary_entries (dict, code, label, position, enabled, created_at, updated_at) VALUES
    ('unit_nature', 'enterprise', '企业', 10, 1, 0, 0),
    ('unit_nature', 'university', '大专院校', 20, 1, 0, 0),
    ('unit_nature', 'institute', '科研院所', 30, 1, 0, 0),
    ('unit_nature', 'county_bureau', '市县科技局', 40, 1, 0, 0),
    ('unit_nature', 'other', '其他', 50, 1, 0, 0),
    ('doc_type', 'mainland_id', '中国大陆居民身份证', 10, 1, 0, 0),
    ('doc_type', 'hmt_permit', '港澳台居民往来内地通行证', 20, 1, 0, 0),
    ('doc_type', 'passport', '外籍人员护照', 30, 1, 0, 0),
    ('education', '博士', '博士', 10, 1, 0, 0),
    ('education', '硕士', '硕士', 20, 1, 0, 0),
    ('education', '本科', '本科', 30, 1, 0, 0),
    ('education', '大专', '大专', 40, 1, 0, 0),
    ('education', '中专', '中专', 50, 1, 0, 0),
    ('education', '其他', '其他', 60, 1, 0, 0),
    ('degree', '博士', '博士', 10, 1, 0, 0),
    ('degree', '硕士', '硕士', 20, 1, 0, 0),
    ('degree', '学士', '学士', 30, 1, 0, 0),
    ('degree', '无', '无', 40, 1, 0, 0),
    ('title', '正高级', '正高级', 10, 1, 0, 0),
    ('title', '高级', '高级', 20, 1, 0, 0),
    ('title', '中级', '中级', 30, 1, 0, 0),
    ('title', '初级', '初级', 40, 1, 0, 0),
    ('title', '无', '无', 50, 1, 0, 0),
    ('department', '科研管理处', '科研管理处', 10, 1, 0, 0),
    ('department', '技术研发中心', '技术研发中心', 20, 1, 0, 0),
    ('department', '办公室', '办公室', 30, 1, 0, 0),
    ('department', '财务处', '财务处', 40, 1, 0, 0);
