-- Event exports (ECS tasks and container instances, EBS attach/detach from
-- CloudTrail) and the service → product area map. Events arrive duplicated and
-- out of order, so every event is kept and queries pick what counts.

CREATE TABLE ecs_task_events (
    file_id                BIGINT NOT NULL,
    task_arn               VARCHAR NOT NULL,
    cluster_arn            VARCHAR,
    container_instance_arn VARCHAR,
    service                VARCHAR,   -- detail.group without 'service:', else the task definition family
    cpu_units              INTEGER,   -- task-level cpu, else the sum of its containers'
    memory_mb              INTEGER,
    launch_type            VARCHAR,
    last_status            VARCHAR,
    started_at             TIMESTAMP,
    stopped_at             TIMESTAMP,
    version                BIGINT,
    event_time             TIMESTAMP
);

CREATE TABLE ecs_instance_events (
    file_id                BIGINT NOT NULL,
    container_instance_arn VARCHAR NOT NULL,
    cluster_arn            VARCHAR,
    ec2_instance_id        VARCHAR,
    registered_cpu         INTEGER,
    registered_memory      INTEGER,
    version                BIGINT,
    event_time             TIMESTAMP
);

CREATE TABLE ebs_volume_events (
    file_id     BIGINT NOT NULL,
    event_id    VARCHAR,
    event_name  VARCHAR NOT NULL,  -- AttachVolume | DetachVolume
    event_time  TIMESTAMP NOT NULL,
    volume_id   VARCHAR NOT NULL,
    instance_id VARCHAR
);

CREATE TABLE service_map (
    file_id      BIGINT NOT NULL,
    service      VARCHAR NOT NULL,
    cluster      VARCHAR,
    product_area VARCHAR NOT NULL,
    source       VARCHAR NOT NULL   -- where the entry came from: file path, or file:line for Terraform
);
