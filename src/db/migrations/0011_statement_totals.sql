-- The totals a DBR statement states about itself: its InvoiceTotal (per
-- invoice), AccountTotal (per linked account) and StatementTotal (per payer)
-- rows. They restate the lines above them, so they are never money lines;
-- `reconcile` checks the lines against them. Kept under the file id of the
-- delivery that carried them (a re-delivered period replaces them with its lines).
CREATE TABLE statement_totals (
    file_id        BIGINT  NOT NULL,
    billing_period DATE    NOT NULL,
    payer_account  VARCHAR NOT NULL,
    usage_account  VARCHAR NOT NULL,  -- the linked account of an AccountTotal, else the payer
    invoice_id     VARCHAR,
    record_type    VARCHAR NOT NULL,  -- InvoiceTotal, AccountTotal, StatementTotal
    unblended_cost DECIMAL(38, 10) NOT NULL,
    blended_cost   DECIMAL(38, 10) NOT NULL,
    line_count     BIGINT  NOT NULL
);
