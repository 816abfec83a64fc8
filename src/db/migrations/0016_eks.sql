-- EKS split cost allocation data: AWS's split rows of pods on EC2 (their
-- resource id a pod ARN, `…:pod/CLUSTER/NAMESPACE/POD/UID`) are kept beside
-- ECS tasks' in scad_splits. For a pod, `service` is its workload (the
-- aws:eks:workload-name tag, else the pod's name), `cluster` its cluster
-- (aws:eks:cluster-name, else the ARN's), `namespace` its namespace, `tags`
-- its tags (imported Kubernetes labels among them), for the rules.
ALTER TABLE scad_splits ADD COLUMN kind VARCHAR DEFAULT 'ecs';  -- ecs | eks
ALTER TABLE scad_splits ADD COLUMN namespace VARCHAR;
ALTER TABLE scad_splits ADD COLUMN tags JSON;

-- The parts of an EKS pod's ARN (`…:pod/CLUSTER/NAMESPACE/POD/UID`) and an
-- ECS task's cluster (`…:task/CLUSTER/ID`), NULL when absent; a pod's
-- service as attribution names it, NAMESPACE/WORKLOAD.
CREATE MACRO ap_pod_cluster(arn) AS NULLIF(regexp_extract(arn, ':pod/([^/]+)/', 1), '');
CREATE MACRO ap_pod_namespace(arn) AS NULLIF(regexp_extract(arn, ':pod/[^/]+/([^/]+)/', 1), '');
CREATE MACRO ap_pod_name(arn) AS NULLIF(regexp_extract(arn, ':pod/[^/]+/[^/]+/([^/]+)', 1), '');
CREATE MACRO ap_task_cluster(arn) AS NULLIF(regexp_extract(arn, ':task/([^/]+)/[^/]+$', 1), '');
CREATE MACRO ap_pod_service(ns, workload) AS COALESCE(ns, '') || '/' || workload;

-- The service map names EKS workloads too, optionally by namespace; a row
-- whose service is '*' maps every workload of its namespace.
ALTER TABLE service_map ADD COLUMN namespace VARCHAR;

-- The area the service map gives an EKS workload, NULL when none: the most
-- specific entry wins (the workload named over '*', a cluster given over
-- none, a namespace given over none, a Terraform entry over a CSV one).
CREATE MACRO ap_workload_area(workload, ns, cluster_name) AS (
    SELECT arg_min(m.product_area, {'rank': 4 * (m.service = '*')::INT + 2 * (m.cluster IS NULL)::INT
                                           + (m.namespace IS NULL)::INT, 'tf': (m.file_id <> 0)::INT,
                                    'area': m.product_area})
    FROM service_map m
    WHERE (m.service = workload OR (m.service = '*' AND m.namespace IS NOT NULL))
      AND (m.namespace IS NULL OR m.namespace = ns)
      AND (m.cluster IS NULL OR m.cluster = cluster_name));

-- A Fargate task's or pod's own line (its resource the task or pod ARN) by
-- the service map: the ECS service (aws:ecs:serviceName, of its cluster) or
-- the EKS workload (aws:eks:workload-name, else the pod's name, in its
-- namespace and cluster). NULL when the map has no entry.
CREATE MACRO ap_container_area(entries, resource) AS CASE
    WHEN resource LIKE 'arn:%:ecs:%:task/%' AND ap_tag_value(entries, 'aws:ecs:serviceName') IS NOT NULL THEN
        NULLIF(ap_service_area(ap_tag_value(entries, 'aws:ecs:serviceName'),
                               COALESCE(ap_tag_value(entries, 'aws:ecs:clusterName'), ap_task_cluster(resource))),
               '(unmapped)')
    WHEN resource LIKE 'arn:%:eks:%:pod/%' THEN
        ap_workload_area(COALESCE(ap_tag_value(entries, 'aws:eks:workload-name'), ap_pod_name(resource)),
                         COALESCE(ap_tag_value(entries, 'aws:eks:namespace'), ap_pod_namespace(resource)),
                         COALESCE(ap_tag_value(entries, 'aws:eks:cluster-name'), ap_pod_cluster(resource)))
    END;
