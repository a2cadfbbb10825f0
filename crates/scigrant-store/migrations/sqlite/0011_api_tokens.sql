-- Personal access tokens of the /api/v1 integration API. Like session ids,
-- a token is kept only as its SM3 hash (the holder saw it once); the
-- prefix is its first characters, so its owner can tell tokens apart.
-- Scopes are a comma-separated list of the domain's scope codes.

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_kind TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_kind, account_id);
