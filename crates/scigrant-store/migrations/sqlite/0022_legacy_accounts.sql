-- 火炬中心业务办理平台用户转移 (issue 13, item 8): accounts brought over
-- from a predecessor system by `scigrant import accounts`.
--
-- `login_name` is the login an imported account was given when its own
-- identifier was taken here (HJ_ + 统一社会信用代码 for a unit, HJ- + 手机号
-- for a person) or, for a predecessor's unit account that was a person's,
-- the 统一社会信用代码 itself; login looks it up on its own tab first.
ALTER TABLE units ADD COLUMN login_name TEXT;
CREATE UNIQUE INDEX units_login_name ON units (login_name);
ALTER TABLE persons ADD COLUMN login_name TEXT;
CREATE UNIQUE INDEX persons_login_name ON persons (login_name);

-- One row per imported predecessor account, keyed by the blind index of
-- what 账号检索 asks for (统一社会信用代码 or 手机号), so a second run of the
-- same file changes nothing and the lookup never reads a plain phone
-- number. `case_no` is the seed's 第一种…第四种 for that lookup.
CREATE TABLE legacy_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    legacy_key TEXT NOT NULL UNIQUE,
    lookup TEXT NOT NULL,
    case_no INTEGER NOT NULL,
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);
