-- A month's billing lines as attributed, as FOCUS rows: one row per line and
-- area share. The latest attribution (allocations) says how much of each
-- group of lines went where: a group is the lines of one day, AWS product,
-- usage type, account, resource and kind of charge, the grain allocations
-- are kept at. Each line of a group takes the group's shares (by BilledCost
-- for billed money, by EffectiveCost for effective money); scaled costs are
-- rounded to 10 decimals and the largest share of a line takes the rounding
-- remainder, so a line's rows sum back to it exactly and an area's rows to
-- what `report --by area` says of it. ?1 the month (YYYY-MM), ?2 the run id.
-- Placeholders: {ts} formats a timestamp (text for CSV, typed for Parquet);
-- {focus13} is the 1.3 columns, or nothing.
WITH lines AS (
    SELECT rowid AS line_id, b.*,
           COALESCE(CAST(usage_start AS DATE), billing_period) AS g_date,
           COALESCE(product_name, product_code, '') AS g_product, COALESCE(usage_type, '') AS g_usage_type,
           usage_account AS g_account, COALESCE(resource_id, '') AS g_resource,
           ap_charge(line_type, COALESCE(product_code, product_name)) AS g_charge
    FROM billing_lines b
    WHERE billing_period = strptime(?1, '%Y-%m')::DATE
), alloc AS (
    SELECT usage_date AS g_date, product AS g_product, usage_type AS g_usage_type, account AS g_account,
           resource AS g_resource, charge AS g_charge, area, service, method,
           sum(unblended_cost) AS u, sum(amortized_cost) AS a
    FROM allocations
    WHERE billing_period = strptime(?1, '%Y-%m')::DATE
    GROUP BY ALL
), shares AS (
    -- A group's shares; where a measure's group total is zero (money that
    -- cancels within it), its largest allocation takes all of it.
    SELECT *,
           CASE WHEN sum(u) OVER g <> 0 THEN CAST(u AS DOUBLE) / CAST(sum(u) OVER g AS DOUBLE)
                WHEN row_number() OVER (PARTITION BY g_date, g_product, g_usage_type, g_account, g_resource, g_charge
                                        ORDER BY abs(u) DESC, area, service, method) = 1 THEN 1.0
                ELSE 0.0 END AS fu,
           CASE WHEN sum(a) OVER g <> 0 THEN CAST(a AS DOUBLE) / CAST(sum(a) OVER g AS DOUBLE)
                WHEN row_number() OVER (PARTITION BY g_date, g_product, g_usage_type, g_account, g_resource, g_charge
                                        ORDER BY abs(a) DESC, area, service, method) = 1 THEN 1.0
                ELSE 0.0 END AS fa
    FROM alloc
    WINDOW g AS (PARTITION BY g_date, g_product, g_usage_type, g_account, g_resource, g_charge)
), scaled AS (
    SELECT l.*, s.area, s.service, s.method, s.fu, s.fa,
           CAST(CAST(l.unblended_cost AS DOUBLE) * s.fu AS DECIMAL(38, 10)) AS su,
           CAST(CAST(l.amortized_cost AS DOUBLE) * s.fa AS DECIMAL(38, 10)) AS sa,
           row_number() OVER (PARTITION BY l.line_id ORDER BY s.fu DESC, s.fa DESC, s.area, s.service, s.method) = 1
               AS largest
    FROM lines l
    JOIN shares s USING (g_date, g_product, g_usage_type, g_account, g_resource, g_charge)
), exact AS (
    SELECT *,
           su + CASE WHEN largest THEN unblended_cost - sum(su) OVER (PARTITION BY line_id) ELSE 0 END AS billed,
           sa + CASE WHEN largest THEN amortized_cost - sum(sa) OVER (PARTITION BY line_id) ELSE 0 END AS effective
    FROM scaled
), rows AS (
    -- A CUR or DBR line's kind of charge in FOCUS's words.
    SELECT *,
           CASE WHEN source_format = 'focus' AND line_type IN ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')
                    THEN line_type
                WHEN g_charge = 'tax' THEN 'Tax'
                WHEN g_charge IN ('credit', 'discount') OR line_type = 'SavingsPlanNegation' THEN 'Credit'
                WHEN g_charge = 'refund' THEN 'Adjustment'
                -- Unused commitment is usage of the commitment: a Purchase has no effective cost.
                WHEN g_charge IN ('commitment', 'fee') AND effective = 0 THEN 'Purchase'
                ELSE 'Usage' END AS category
    FROM exact
    WHERE billed <> 0 OR effective <> 0 OR largest
), focus AS (
    -- A FOCUS line's own enumerations, in the spec's spelling where a
    -- provider wrote another (`Usage-based`), else derived; a service
    -- category the spec does not list is Other, and a missing subcategory
    -- is its category's Other.
    SELECT *,
           CASE lower(details ->> 'ChargeFrequency')
                WHEN 'usage-based' THEN CASE WHEN category <> 'Purchase' THEN 'Usage-Based' END
                WHEN 'one-time' THEN 'One-Time'
                WHEN 'recurring' THEN 'Recurring' END AS own_frequency,
           CASE WHEN details ->> 'ServiceCategory' IN ('AI and Machine Learning', 'Analytics', 'Business Applications',
                    'Compute', 'Databases', 'Developer Tools', 'Multicloud', 'Identity', 'Integration',
                    'Internet of Things', 'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking',
                    'Security', 'Storage', 'Web', 'Other')
                THEN details ->> 'ServiceCategory' ELSE 'Other' END AS service_category
    FROM rows
)
SELECT
    CAST(billed AS DECIMAL(38, 10)) AS BilledCost,
    payer_account AS BillingAccountId,
    details ->> 'BillingAccountName' AS BillingAccountName,
    COALESCE(currency, 'USD') AS BillingCurrency,
    {ts}(billing_period + INTERVAL 1 MONTH) AS BillingPeriodEnd,
    {ts}(billing_period) AS BillingPeriodStart,
    category AS ChargeCategory,
    CASE WHEN lower(details ->> 'ChargeClass') = 'correction' THEN 'Correction' END AS ChargeClass,
    COALESCE(details ->> 'ChargeDescription', usage_type, line_type) AS ChargeDescription,
    COALESCE(own_frequency,
             CASE category WHEN 'Usage' THEN 'Usage-Based'
                           WHEN 'Purchase' THEN CASE WHEN line_type ILIKE '%upfront%' THEN 'One-Time' ELSE 'Recurring' END
                           ELSE 'One-Time' END) AS ChargeFrequency,
    {ts}(COALESCE(usage_end, billing_period + INTERVAL 1 MONTH)) AS ChargePeriodEnd,
    {ts}(COALESCE(usage_start, billing_period)) AS ChargePeriodStart,
    CAST(COALESCE(TRY_CAST(details ->> 'ContractedCost' AS DOUBLE) * fu, billed) AS DECIMAL(38, 10)) AS ContractedCost,
    CAST(effective AS DECIMAL(38, 10)) AS EffectiveCost,
    invoice_id AS InvoiceId,
    COALESCE(details ->> 'InvoiceIssuerName', provider, 'AWS') AS InvoiceIssuerName,
    CAST(COALESCE(TRY_CAST(details ->> 'ListCost' AS DOUBLE) * fu, billed) AS DECIMAL(38, 10)) AS ListCost,
    CAST(TRY_CAST(details ->> 'PricingQuantity' AS DOUBLE) * fu AS DOUBLE) AS PricingQuantity,
    CASE WHEN TRY_CAST(details ->> 'PricingQuantity' AS DOUBLE) IS NOT NULL THEN details ->> 'PricingUnit' END
        AS PricingUnit,
    COALESCE(provider, 'AWS') AS ProviderName,
    COALESCE(details ->> 'PublisherName', provider, 'AWS') AS PublisherName,
    region AS RegionId,
    NULLIF(resource_id, '') AS ResourceId,
    -- The category of a CUR or DBR line is not in the bill: Other (Other).
    service_category AS ServiceCategory,
    CASE WHEN service_category = details ->> 'ServiceCategory' AND details ->> 'ServiceSubcategory' IS NOT NULL
         THEN details ->> 'ServiceSubcategory'
         ELSE 'Other (' || service_category || ')' END AS ServiceSubcategory,
    COALESCE(product_name, product_code, 'Unknown') AS ServiceName,
    NULLIF(usage_account, '') AS SubAccountId,
    -- Tags with a value only; none is NULL.
    NULLIF(CAST(CAST(map_from_entries(list_filter(map_entries(CAST(tags AS MAP(VARCHAR, VARCHAR))),
                                                  lambda e: NULLIF(trim(e.value), '') IS NOT NULL)) AS JSON)
                AS VARCHAR), '{}') AS Tags,
    availability_zone AS AvailabilityZone,
    product_code AS x_ServiceCode,
    usage_type AS x_UsageType,
    operation AS x_Operation,
    area AS x_ProductArea,
    method AS x_AttributionMethod,
    NULLIF(service, '') AS x_Service,
    CAST(?2 AS BIGINT) AS x_AttributionRunId{focus13}
FROM focus
ORDER BY line_id, billed DESC, area, service, method
