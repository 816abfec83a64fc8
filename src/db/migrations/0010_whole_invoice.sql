-- The whole invoice: every allocation row says which kind of charge its
-- money is (for `reconcile` and the bill page) and which area had it before
-- any [[split]] moved it (for direct against fully loaded costs).

-- A line's kind of charge, from its line type as CUR (lineItem/LineItemType),
-- DBR (RecordType) and FOCUS (ChargeCategory) write it.
CREATE MACRO ap_charge(line_type, product) AS CASE
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

ALTER TABLE allocations ADD COLUMN charge VARCHAR NOT NULL DEFAULT 'usage';
ALTER TABLE allocations ADD COLUMN direct_area VARCHAR NOT NULL DEFAULT '';
UPDATE allocations SET direct_area = area;

-- A third cost measure, net amortized: amortized cost after discounts, from
-- the export's net columns where it has them, else the amortized cost.
ALTER TABLE billing_lines ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
UPDATE billing_lines SET net_amortized_cost = amortized_cost;
ALTER TABLE allocations ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
UPDATE allocations SET net_amortized_cost = amortized_cost;
ALTER TABLE explore_cells ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
UPDATE explore_cells SET net_amortized_cost = amortized_cost;
ALTER TABLE explore_days ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
UPDATE explore_days SET net_amortized_cost = amortized_cost;
ALTER TABLE rollup_product_area ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
ALTER TABLE rollup_area_service ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
ALTER TABLE rollup_area_account ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
ALTER TABLE finalized_product_area ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
ALTER TABLE finalized_area_service ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
ALTER TABLE finalized_area_account ADD COLUMN net_amortized_cost DECIMAL(38, 10) NOT NULL DEFAULT 0;
