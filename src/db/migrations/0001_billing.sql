-- Billing lines normalized from every export format, and the files they came from.

CREATE TABLE syncs (
    sync_id      BIGINT    NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    files_loaded INTEGER   NOT NULL,
    files_kept   INTEGER   NOT NULL
);

-- One row per export file whose lines are in billing_lines. A file whose lines
-- were all replaced by a later delivery is removed, so syncing it again loads it.
CREATE TABLE source_files (
    file_id      BIGINT    NOT NULL,
    path         VARCHAR   NOT NULL,
    size_bytes   BIGINT    NOT NULL,
    mtime_ns     BIGINT    NOT NULL,
    content_hash VARCHAR   NOT NULL,
    format       VARCHAR   NOT NULL,
    line_count   BIGINT    NOT NULL,
    sync_id      BIGINT    NOT NULL,
    synced_at    TIMESTAMP NOT NULL
);

CREATE TABLE billing_lines (
    file_id           BIGINT         NOT NULL,
    source_format     VARCHAR        NOT NULL, -- dbr | cur | cur2 | focus
    billing_period    DATE           NOT NULL, -- first day of the billed month
    payer_account     VARCHAR        NOT NULL, -- '' when the export names none
    usage_account     VARCHAR        NOT NULL,
    invoice_id        VARCHAR,
    is_estimate       BOOLEAN,                 -- NULL: the format does not say
    line_type         VARCHAR,
    provider          VARCHAR,
    product_name      VARCHAR,
    product_code      VARCHAR,
    usage_type        VARCHAR,
    operation         VARCHAR,
    region            VARCHAR,
    availability_zone VARCHAR,
    resource_id       VARCHAR,
    resource_short    VARCHAR,
    usage_start       TIMESTAMP,
    usage_end         TIMESTAMP,
    usage_amount      DOUBLE,
    currency          VARCHAR,
    unblended_cost    DECIMAL(38, 10) NOT NULL,
    blended_cost      DECIMAL(38, 10) NOT NULL,
    amortized_cost    DECIMAL(38, 10) NOT NULL,
    tags              JSON                     -- every tag of the line as a JSON object, keys without the 'user:' prefix
);

-- Parsing helpers used by the normalizing SELECTs. Empty text is NULL; a value
-- that is not empty and does not parse is an error (never a silently lost dollar).
-- DuckDB's own casts take every timestamp shape AWS writes (T or space, Z,
-- fractions, slashes, bare dates) and scientific notation in decimals.
CREATE MACRO ap_text(x) AS NULLIF(CAST(x AS VARCHAR), '');
CREATE MACRO ap_money(x) AS COALESCE(CAST(ap_text(x) AS DECIMAL(38, 10)), 0);
CREATE MACRO ap_number(x) AS CAST(ap_text(x) AS DOUBLE);
CREATE MACRO ap_time(x) AS CAST(ap_text(x) AS TIMESTAMP);
CREATE MACRO ap_region_of_zone(zone) AS NULLIF(rtrim(zone, 'abcdefghijklmnopqrstuvwxyz'), '');
CREATE MACRO ap_short_id(x) AS CASE
    WHEN starts_with(x, 'arn:') THEN regexp_extract(x, '([^/:]*)$', 1)
    ELSE x END;
