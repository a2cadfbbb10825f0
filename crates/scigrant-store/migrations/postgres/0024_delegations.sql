-- 用户授权管理 (代办, issue 13 #5): a unit authorises a real-name verified
-- person for named services until `ends_at` (exclusive). At most one live
-- (unrevoked) authorisation per unit and person; a change rewrites it.
CREATE TABLE delegations (
    id BIGSERIAL PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    -- Service codes joined by commas (apply, members, projects).
    services TEXT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX delegations_person ON delegations (person_id);
CREATE INDEX delegations_unit ON delegations (unit_id);
CREATE UNIQUE INDEX delegations_live ON delegations (unit_id, person_id) WHERE revoked_at IS NULL;

-- Every audit record written by a person acting for a unit, indexed by
-- the unit so it sees what was done in its name. The audit record itself
-- (chained) names both in its actor label.
CREATE TABLE delegated_actions (
    audit_id BIGINT PRIMARY KEY REFERENCES audit_log (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    delegation_id BIGINT NOT NULL REFERENCES delegations (id)
);
CREATE INDEX delegated_actions_unit ON delegated_actions (unit_id, audit_id);

-- The unit a person's session acts for; read with its authorisation on
-- every request.
ALTER TABLE sessions ADD COLUMN acting_unit_id BIGINT;
