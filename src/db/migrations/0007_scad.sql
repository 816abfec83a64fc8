-- AWS split cost allocation data (SCAD): CUR and CUR 2.0 exports with it
-- carry, per ECS task on EC2 and hour, how AWS divides the instance the task
-- ran on. Those rows are weights for splitting the instance's own line, never
-- money of their own: they are kept here, not in billing_lines, under the
-- file id of the delivery that carried them (a re-delivered period replaces
-- them with its lines).
CREATE TABLE scad_splits (
    file_id            BIGINT    NOT NULL,
    billing_period     DATE      NOT NULL,
    payer_account      VARCHAR   NOT NULL,
    usage_account      VARCHAR   NOT NULL,
    task_arn           VARCHAR   NOT NULL,  -- the split rows' resource id
    instance_id        VARCHAR   NOT NULL,  -- split_line_item_parent_resource_id
    service            VARCHAR,             -- the aws:ecs:serviceName tag
    cluster            VARCHAR,             -- the aws:ecs:clusterName tag, else the task ARN's cluster
    usage_start        TIMESTAMP,
    usage_end          TIMESTAMP,
    -- The task's share of the instance's cost for the interval (its vCPU and
    -- memory rows together), and its share of the capacity no task reserved.
    split_cost         DECIMAL(38, 10) NOT NULL,
    unused_cost        DECIMAL(38, 10) NOT NULL,
    vcpu_split_usage   DOUBLE,  -- vCPU-hours allocated: max(reserved, used)
    vcpu_usage_ratio   DOUBLE,  -- of the instance's vCPUs
    vcpu_reserved      DOUBLE,
    vcpu_actual        DOUBLE,
    memory_split_usage DOUBLE,  -- GB-hours allocated
    memory_usage_ratio DOUBLE,
    memory_reserved    DOUBLE,
    memory_actual      DOUBLE,
    line_count         BIGINT    NOT NULL   -- export rows this row stands for (a vCPU and a memory row)
);

-- Which ECS split a run preferred where both exist: auto (task events where
-- they cover the instance-hour, else SCAD), events, or scad.
ALTER TABLE attribution_runs ADD COLUMN ecs_source VARCHAR;

-- The ECS split by task events and by AWS's split, side by side, as the
-- latest attribution of each month saw them (unblended cost): per instance
-- and service over the instance-hours both cover (kind 'both'), and per
-- instance the hours only one covers ('scad_only': split rows but no task
-- events, an event capture gap; 'events_only': the reverse).
CREATE TABLE ecs_check (
    billing_period DATE    NOT NULL,
    instance_id    VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    service        VARCHAR NOT NULL,  -- '' on gap rows; '(idle)' for unused capacity under --idle separate
    area           VARCHAR NOT NULL,
    hours          BIGINT  NOT NULL,
    first_hour     TIMESTAMP,
    last_hour      TIMESTAMP,
    events_cost    DECIMAL(38, 10) NOT NULL,
    scad_cost      DECIMAL(38, 10) NOT NULL
);
