-- 0003-preview-cache-per-user: issue 23 partitions the shared preview cache by the owner's user id
-- (ADR "preview cache partitioned by user"), so one user's rendering never answers another user's
-- request for the same bytes. The tables are a cache of previews that are rendered again on demand:
-- they are dropped and made again in the new shape rather than converted.
DROP TABLE IF EXISTS preview.entries, preview.failures, preview.claims;
CREATE TABLE preview.entries (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    user_id     uuid NOT NULL,
    plugin_id   text,
    html        bytea NOT NULL,
    stylesheet  text,
    etag        text NOT NULL,
    bytes       bigint NOT NULL,
    generations integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_access timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, provider, user_id));
CREATE INDEX entries_plugin_id ON preview.entries (plugin_id);
CREATE TABLE preview.failures (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    user_id     uuid NOT NULL,
    plugin_id   text,
    reason      text NOT NULL,
    timed_out   boolean NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (sha256, provider, user_id));
CREATE TABLE preview.claims (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    user_id     uuid NOT NULL,
    owner       uuid,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (sha256, provider, user_id));
