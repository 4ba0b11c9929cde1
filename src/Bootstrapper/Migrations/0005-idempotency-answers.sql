-- 0005-idempotency-answers: issue 22's Idempotency-Key support. The answer to a request that carried
-- an Idempotency-Key is kept for 24 hours per (user, route, key), so a client that retries after a
-- lost response gets the first answer back instead of a second upload or package.
CREATE SCHEMA IF NOT EXISTS idempotency;
CREATE TABLE IF NOT EXISTS idempotency.answers (
    user_id         uuid NOT NULL,
    route           text NOT NULL,
    key             text NOT NULL,
    request_sha256  text NOT NULL,
    status          int NOT NULL,
    content_type    text,
    location        text,
    body            bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, route, key));
CREATE INDEX IF NOT EXISTS answers_created_at ON idempotency.answers (created_at);
