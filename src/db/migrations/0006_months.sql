-- A year of a large bill on a laptop: lines that need no hour-by-hour
-- attribution are stored a day at a time, tasks are kept as spans rather than
-- re-derived from every event, attribution runs month by month and only where
-- a month's inputs changed, and the explorer reads small per-month tables.

-- How many export lines a row stands for (a day of hourly lines of one kind,
-- or one line: EC2 instance and EBS volume lines keep their hours).
ALTER TABLE billing_lines ADD COLUMN line_count BIGINT DEFAULT 1;

-- Each task once, as its newest event says (see ecs_task_newest), kept up to
-- date by `sync` for the tasks whose events it loads or replaces. The event
-- that won is kept whole, so newer events merge with the span instead of
-- with every older event; `print` fingerprints the span for change detection.
CREATE TABLE ecs_task_spans (
    task_arn               VARCHAR NOT NULL,
    ci_key                 VARCHAR,   -- the container instance id (short and long ARN forms join on it)
    container_instance_arn VARCHAR,
    service                VARCHAR,
    cluster_arn            VARCHAR,
    cpu_units              INTEGER,
    memory_mb              INTEGER,
    started_at             TIMESTAMP,
    stopped_at             TIMESTAMP,
    version                BIGINT,
    event_time             TIMESTAMP,
    last_status            VARCHAR,
    print                  UHUGEINT
);
CREATE MACRO ap_span_print(task_arn, ci_key, service, cluster_arn, cpu_units, memory_mb, started_at, stopped_at) AS
    md5_number(CAST({'task': task_arn, 'ci': ci_key, 'service': service, 'cluster': cluster_arn, 'cpu': cpu_units,
                     'memory': memory_mb, 'from': started_at, 'to': stopped_at} AS VARCHAR));
INSERT INTO ecs_task_spans
SELECT task_arn, regexp_extract(container_instance_arn, '([^/]+)$', 1), container_instance_arn, service, cluster_arn,
       cpu_units, memory_mb, started_at, stopped_at, version, event_time, last_status,
       ap_span_print(task_arn, regexp_extract(container_instance_arn, '([^/]+)$', 1), service, cluster_arn,
                     cpu_units, memory_mb, started_at, stopped_at)
FROM ecs_task_newest;

CREATE OR REPLACE VIEW ecs_tasks AS
SELECT s.task_arn, s.service, s.cluster_arn, s.cpu_units, s.memory_mb, s.started_at, s.stopped_at,
       i.instance_id, i.reg_cpu, i.reg_mem
FROM ecs_task_spans s LEFT JOIN ecs_instances i ON i.ci_key = s.ci_key;

-- What each run was attributed with, for `runs` and so that a later command
-- without `--rules` (or `--idle`, `--weight`, `--tag-key`) keeps them: the
-- rules file's absolute path and content hash ('' when it did not exist), and
-- the settings given as flags (NULL: taken from the rules file).
ALTER TABLE attribution_runs ADD COLUMN rules_path VARCHAR;
ALTER TABLE attribution_runs ADD COLUMN rules_hash VARCHAR;
ALTER TABLE attribution_runs ADD COLUMN idle_flag VARCHAR;
ALTER TABLE attribution_runs ADD COLUMN weight_flag VARCHAR;
ALTER TABLE attribution_runs ADD COLUMN tag_key_flag VARCHAR;

-- The run that last attributed each month, and the fingerprint of the inputs
-- it saw (its lines' files, the tasks and attachments over it, the rules, the
-- service map and the settings): a month whose fingerprint is unchanged is
-- not attributed again.
CREATE TABLE attributed_months (
    billing_period DATE    NOT NULL,
    run_id         BIGINT  NOT NULL,
    fingerprint    VARCHAR NOT NULL
);
INSERT INTO attributed_months
SELECT DISTINCT billing_period, run_id, '' FROM allocations;

-- The explorer's tables, one set of rows per month: a keypress reads only
-- the month it shows. Cells are product × area × leaf (the ECS service where
-- a line was split, else the resource); days add the date.
CREATE TABLE explore_cells (
    billing_period DATE    NOT NULL,
    product        VARCHAR NOT NULL,
    area           VARCHAR NOT NULL,
    leaf           VARCHAR NOT NULL,
    is_service     BOOLEAN NOT NULL,
    unblended_cost DECIMAL(38, 10) NOT NULL,
    amortized_cost DECIMAL(38, 10) NOT NULL,
    blended_cost   DECIMAL(38, 10) NOT NULL
);
CREATE TABLE explore_days (
    billing_period DATE    NOT NULL,
    usage_date     DATE    NOT NULL,
    product        VARCHAR NOT NULL,
    area           VARCHAR NOT NULL,
    leaf           VARCHAR NOT NULL,
    unblended_cost DECIMAL(38, 10) NOT NULL,
    amortized_cost DECIMAL(38, 10) NOT NULL,
    blended_cost   DECIMAL(38, 10) NOT NULL
);
INSERT INTO explore_cells
SELECT billing_period, product, area, CASE WHEN service <> '' THEN service ELSE resource END, bool_or(service <> ''),
       sum(unblended_cost), sum(amortized_cost), sum(blended_cost)
FROM allocations GROUP BY 1, 2, 3, 4;
INSERT INTO explore_days
SELECT billing_period, usage_date, product, area, CASE WHEN service <> '' THEN service ELSE resource END,
       sum(unblended_cost), sum(amortized_cost), sum(blended_cost)
FROM allocations GROUP BY 1, 2, 3, 4, 5;
