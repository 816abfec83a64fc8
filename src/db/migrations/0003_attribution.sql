-- Attribution: each run's settings, the latest run's allocations, and
-- append-only rollups that keep the history of month-to-date estimates.

CREATE TABLE attribution_runs (
    run_id      BIGINT    NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    idle        VARCHAR   NOT NULL,
    weight      VARCHAR   NOT NULL,
    tag_key     VARCHAR   NOT NULL,
    rules_text  VARCHAR   NOT NULL,
    rule_count  INTEGER   NOT NULL,
    periods     VARCHAR[] NOT NULL
);

-- The latest run only, at the grain the explorer and reports need.
CREATE TABLE allocations (
    run_id         BIGINT  NOT NULL,
    billing_period DATE    NOT NULL,
    usage_date     DATE    NOT NULL,
    product        VARCHAR NOT NULL,
    usage_type     VARCHAR NOT NULL,
    account        VARCHAR NOT NULL,
    resource       VARCHAR NOT NULL,
    area           VARCHAR NOT NULL,
    service        VARCHAR NOT NULL,  -- ECS service for split lines, else ''
    method         VARCHAR NOT NULL,  -- tag | rule:<n> | ecs | ebs→<instance> | idle | unallocated
    unblended_cost DECIMAL(38, 10) NOT NULL,
    amortized_cost DECIMAL(38, 10) NOT NULL,
    blended_cost   DECIMAL(38, 10) NOT NULL
);

CREATE TABLE rollup_product_area (
    run_id BIGINT NOT NULL, billing_period DATE NOT NULL, product VARCHAR NOT NULL, area VARCHAR NOT NULL,
    unblended_cost DECIMAL(38, 10) NOT NULL, amortized_cost DECIMAL(38, 10) NOT NULL, blended_cost DECIMAL(38, 10) NOT NULL
);
CREATE TABLE rollup_area_service (
    run_id BIGINT NOT NULL, billing_period DATE NOT NULL, area VARCHAR NOT NULL, service VARCHAR NOT NULL,
    unblended_cost DECIMAL(38, 10) NOT NULL, amortized_cost DECIMAL(38, 10) NOT NULL, blended_cost DECIMAL(38, 10) NOT NULL
);
CREATE TABLE rollup_area_account (
    run_id BIGINT NOT NULL, billing_period DATE NOT NULL, area VARCHAR NOT NULL, account VARCHAR NOT NULL,
    unblended_cost DECIMAL(38, 10) NOT NULL, amortized_cost DECIMAL(38, 10) NOT NULL, blended_cost DECIMAL(38, 10) NOT NULL
);

-- Closed months: the rollups of the run that was current when the month closed.
CREATE TABLE finalized_months (
    billing_period DATE      NOT NULL,
    run_id         BIGINT    NOT NULL,
    finalized_at   TIMESTAMP NOT NULL,
    reason         VARCHAR   NOT NULL  -- 'invoice' (AWS issued it) or 'manual'
);
CREATE TABLE finalized_product_area AS SELECT * FROM rollup_product_area WITH NO DATA;
CREATE TABLE finalized_area_service AS SELECT * FROM rollup_area_service WITH NO DATA;
CREATE TABLE finalized_area_account AS SELECT * FROM rollup_area_account WITH NO DATA;
