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

-- 专家公示: the reviewing experts a notice listed, as published (name,
-- unit, 职称); later changes to the expert library do not alter it.
CREATE TABLE notice_experts (
    notice_id BIGINT NOT NULL REFERENCES notices (id),
    expert_id BIGINT NOT NULL REFERENCES experts (id),
    name TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (notice_id, expert_id)
);
