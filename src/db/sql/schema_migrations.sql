-- The record of applied migrations, created before the first one runs.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT    NOT NULL,
    name       VARCHAR   NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
