-- 查重: the MinHash signature of every submitted application's own text,
-- written with the submission. `scheme` names the parameters the signature
-- was made with, so signatures of other parameters are never compared.
-- An application without own text has no row.
CREATE TABLE application_signatures (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    call_id BIGINT NOT NULL REFERENCES calls (id),
    scheme TEXT NOT NULL,
    signature BYTEA NOT NULL,
    computed_at BIGINT NOT NULL
);
CREATE INDEX application_signatures_call ON application_signatures (call_id);
