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

-- What the events say, deduplicated: one row per container instance, task and
-- attachment. Attribution and `explain` read these views.
CREATE VIEW ecs_instances AS
SELECT regexp_extract(container_instance_arn, '([^/]+)$', 1) AS ci_key,  -- short and long ARN forms join on the id
       arg_max(ec2_instance_id, version) AS instance_id,
       arg_max(registered_cpu, version) AS reg_cpu,
       arg_max(registered_memory, version) AS reg_mem
FROM ecs_instance_events GROUP BY ALL;

-- A task as its highest-version event says; it runs from startedAt to stoppedAt.
CREATE VIEW ecs_tasks AS
SELECT t.*, i.instance_id, i.reg_cpu, i.reg_mem
FROM (SELECT task_arn,
             arg_max(container_instance_arn, version) AS container_instance_arn,
             arg_max(service, version) AS service,
             arg_max(cluster_arn, version) AS cluster_arn,
             max(cpu_units) AS cpu_units,
             max(memory_mb) AS memory_mb,
             arg_max(started_at, version) AS started_at,
             arg_max(stopped_at, version) AS stopped_at
      FROM ecs_task_events GROUP BY task_arn) t
LEFT JOIN ecs_instances i ON i.ci_key = regexp_extract(t.container_instance_arn, '([^/]+)$', 1);

-- An attachment lasts from AttachVolume to the next DetachVolume of the volume
-- (a detach naming only the volume closes it); without one, to the end of the data.
CREATE VIEW ebs_attachments AS
SELECT a.volume_id, a.instance_id, a.event_time AS att_start,
       COALESCE((SELECT min(d.event_time) FROM ebs_volume_events d
                 WHERE d.event_name = 'DetachVolume' AND d.volume_id = a.volume_id
                   AND (d.instance_id IS NULL OR d.instance_id = a.instance_id)
                   AND d.event_time >= a.event_time), 'infinity'::TIMESTAMP) AS att_end
FROM (SELECT DISTINCT volume_id, instance_id, event_time FROM ebs_volume_events
      WHERE event_name = 'AttachVolume' AND instance_id IS NOT NULL) a;
