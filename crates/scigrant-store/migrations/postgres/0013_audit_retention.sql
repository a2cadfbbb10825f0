-- Audit retention (issue 7, finding 14): sealed records older than the
-- kept period (180 days at least, checked by the application) may be
-- purged, younger ones never. A purge leaves one checkpoint row: the last
-- purged link's sequence number and hash, the running count of purged
-- links and a keyed MAC over them, from which the chain is verified on.
CREATE TABLE audit_retention (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    before_seq BIGINT NOT NULL,
    base_hash TEXT NOT NULL,
    purged BIGINT NOT NULL,
    cutoff_at BIGINT NOT NULL,
    purged_at BIGINT NOT NULL,
    mac TEXT NOT NULL
);

-- Updates stay refused; deletes are refused except for what the checkpoint
-- covers: chain links up to its sequence number, then records older than
-- its cutoff that no link holds any more.
DROP TRIGGER audit_log_append_only ON audit_log;
DROP TRIGGER audit_chain_append_only ON audit_chain;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE FUNCTION refuse_young_audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_chain' THEN
        IF EXISTS (SELECT 1 FROM audit_retention r WHERE OLD.seq <= r.before_seq) THEN
            RETURN OLD;
        END IF;
    ELSIF EXISTS (SELECT 1 FROM audit_retention r WHERE OLD.at < r.cutoff_at)
          AND NOT EXISTS (SELECT 1 FROM audit_chain ch WHERE ch.audit_id = OLD.id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_young_audit_delete();
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION refuse_young_audit_delete();
