-- Audit retention (issue 7, finding 14): sealed records older than the
-- kept period (180 days at least, checked by the application) may be
-- purged, younger ones never. A purge leaves one checkpoint row: the last
-- purged link's sequence number and hash, the running count of purged
-- links and a keyed MAC over them, from which the chain is verified on.
CREATE TABLE audit_retention (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    before_seq INTEGER NOT NULL,
    base_hash TEXT NOT NULL,
    purged INTEGER NOT NULL,
    cutoff_at INTEGER NOT NULL,
    purged_at INTEGER NOT NULL,
    mac TEXT NOT NULL
);

-- Deletes stay refused except for what the checkpoint covers: chain links
-- up to its sequence number, then records older than its cutoff that no
-- link holds any more.
DROP TRIGGER audit_chain_no_delete;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
WHEN NOT EXISTS (SELECT 1 FROM audit_retention r WHERE OLD.seq <= r.before_seq)
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_retention r WHERE OLD.at < r.cutoff_at)
  OR EXISTS (SELECT 1 FROM audit_chain ch WHERE ch.audit_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
