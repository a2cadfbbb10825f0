-- A staff account is activated by its new member with a one-time code sent
-- to the member's own mobile; the creator never knows the password. The
-- code is stored only as a salted hash, expires unused, and is burnt after
-- a few wrong tries.
CREATE TABLE staff_activation (
    staff_id INTEGER PRIMARY KEY REFERENCES staff(id),
    mobile_enc BLOB NOT NULL,
    mobile_masked TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
);
