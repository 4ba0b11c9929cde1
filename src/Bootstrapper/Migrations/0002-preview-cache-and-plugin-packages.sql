-- 0002-preview-cache-and-plugin-packages: the tables outside Marten, written by hand. They were
-- created at start-up by the Plugins module (package store) and the Preview module (shared cache)
-- before migrations existed, so this file keeps IF NOT EXISTS: a database from that release already
-- has them.
CREATE SCHEMA IF NOT EXISTS plugins;
CREATE TABLE IF NOT EXISTS plugins.packages (
    plugin_id   text NOT NULL,
    version     text NOT NULL,
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    content     bytea NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin_id, version));

CREATE SCHEMA IF NOT EXISTS preview;
CREATE TABLE IF NOT EXISTS preview.entries (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    plugin_id   text,
    html        bytea NOT NULL,
    stylesheet  text,
    etag        text NOT NULL,
    bytes       bigint NOT NULL,
    generations integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_access timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, provider));
CREATE INDEX IF NOT EXISTS entries_plugin_id ON preview.entries (plugin_id);
CREATE TABLE IF NOT EXISTS preview.failures (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    plugin_id   text,
    reason      text NOT NULL,
    timed_out   boolean NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (sha256, provider));
CREATE TABLE IF NOT EXISTS preview.claims (
    sha256      text NOT NULL,
    provider    text NOT NULL,
    owner       uuid,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (sha256, provider));
