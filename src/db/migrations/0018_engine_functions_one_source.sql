-- The attribution's helper macros defined again from db/dialect.rs's
-- ENGINE_FUNCTIONS, the one source of both engines' spellings (Spark gets
-- them as temporary functions): the same results, now in names both engines
-- have (filter, split, array_contains, array_position, array_sort) and the
-- dialect's lambdas. A unit test holds each macro's last definition equal to
-- the dialect's DuckDB spelling.
CREATE OR REPLACE MACRO ap_tag_key(k) AS lower(regexp_replace(k, '[^A-Za-z0-9]', '', 'g'));
CREATE OR REPLACE MACRO ap_tag_value(entries, k) AS
    (filter(entries, lambda e: e.key = lower(regexp_replace(k, '[^A-Za-z0-9]', '', 'g'))
                              AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value;
CREATE OR REPLACE MACRO ap_tag_value_in(entries, ks) AS
    (array_sort(list_transform(filter(entries, lambda e: array_contains(split(ks, ','), e.key)
                                                         AND NULLIF(trim(e.value), '') IS NOT NULL),
                               lambda e: {'at': array_position(split(ks, ','), e.key), 'value': e.value})))[1].value;
CREATE OR REPLACE MACRO ap_charge(line_type, product) AS CASE
    WHEN line_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'LineItem') THEN 'usage'
    WHEN line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation', 'RIFee', 'Purchase')
        THEN 'commitment'
    WHEN line_type LIKE '%Discount' THEN 'discount'
    WHEN line_type = 'Credit' THEN 'credit'
    WHEN line_type IN ('Refund', 'Adjustment') THEN 'refund'
    WHEN line_type = 'Tax' OR product = 'Tax' THEN 'tax'
    WHEN line_type = 'Fee' THEN 'fee'
    WHEN line_type IS NULL THEN 'usage'
    ELSE 'other' END;
CREATE OR REPLACE MACRO ap_pod_cluster(arn) AS NULLIF(regexp_extract(arn, ':pod/([^/]+)/', 1), '');
CREATE OR REPLACE MACRO ap_pod_namespace(arn) AS NULLIF(regexp_extract(arn, ':pod/[^/]+/([^/]+)/', 1), '');
CREATE OR REPLACE MACRO ap_pod_name(arn) AS NULLIF(regexp_extract(arn, ':pod/[^/]+/[^/]+/([^/]+)', 1), '');
CREATE OR REPLACE MACRO ap_task_cluster(arn) AS NULLIF(regexp_extract(arn, ':task/([^/]+)/[^/]+$', 1), '');
CREATE OR REPLACE MACRO ap_pod_service(ns, workload) AS COALESCE(ns, '') || '/' || workload;
