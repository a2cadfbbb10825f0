-- 限项: how many applications and ongoing projects one person may hold
-- as 负责人 in a program, per call and across the program; 0 = no limit.
-- A program without a row has no limits.

CREATE TABLE program_limits (
    program_id BIGINT PRIMARY KEY REFERENCES programs (id),
    per_call BIGINT NOT NULL,
    per_program BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
