-- Rows written in the seconds before the sealer chains them: each record
-- carries its own HMAC-SM3 (`mac`) under the chain's key, computed by the
-- writer, so a record edited or forged before it is sealed no longer
-- verifies (`scigrant audit verify` names it). Records written before this
-- migration have none; `audit_mac_from` is the last of them.

ALTER TABLE audit_log ADD COLUMN mac TEXT;

INSERT INTO settings (key, value)
SELECT 'audit_mac_from', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM audit_log;

-- A chain sealed by a release before the key (plain SM3 links) is taken
-- over once, by `scigrant audit upgrade-chain`: the links through
-- `through_seq` stay plain and are checked as such, the plain head at that
-- point is vouched for by an HMAC-SM3 under the chain key, and every later
-- link is keyed.
CREATE TABLE audit_chain_upgrade (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through_seq BIGINT NOT NULL,
    plain_head TEXT NOT NULL,
    upgraded_at BIGINT NOT NULL,
    mac TEXT NOT NULL
);
