-- 查重: the MinHash signature of every submitted application's own text,
-- written with the submission. `scheme` names the parameters the signature
-- was made with, so signatures of other parameters are never compared.
-- An application without own text has no row.
CREATE TABLE application_signatures (
    application_id INTEGER PRIMARY KEY REFERENCES applications(id),
    call_id INTEGER NOT NULL REFERENCES calls(id),
    scheme TEXT NOT NULL,
    signature BLOB NOT NULL,
    computed_at INTEGER NOT NULL
);
CREATE INDEX application_signatures_call ON application_signatures (call_id);
