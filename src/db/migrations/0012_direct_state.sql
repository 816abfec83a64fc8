-- A month's direct attribution, kept so a rule appended later (an assignment
-- in a tagging session) or the last rule removed again (undo) redoes only
-- what it can change: money that no tag or earlier rule claimed. The
-- following of discounts, the splits and the explorer tables are computed
-- from these tables in every run, full or not (db/sql/attribute_follow.sql).

-- Every direct part of the month but the followers, at the grain of
-- allocations plus the line type; `pieces` counts the pieces a row stands
-- for. A rule appended later adds signed rows (moving pieces out of
-- (unallocated) and into its area); readers sum by grain and keep the rows
-- whose pieces do not cancel out.
CREATE TABLE direct_base (
    billing_period DATE      NOT NULL,
    usage_date     DATE      NOT NULL,
    product        VARCHAR   NOT NULL,
    usage_type     VARCHAR   NOT NULL,
    account        VARCHAR   NOT NULL,
    resource       VARCHAR   NOT NULL,
    line_type      VARCHAR   NOT NULL,
    area           VARCHAR   NOT NULL,
    service        VARCHAR   NOT NULL,
    method         VARCHAR   NOT NULL,
    merged_into    VARCHAR   NOT NULL,
    charge         VARCHAR   NOT NULL,
    matched        BIGINT[]  NOT NULL,  -- the filtered [[split]]s its lines match
    pieces         BIGINT    NOT NULL,
    unblended_cost     DECIMAL(38, 10) NOT NULL,
    amortized_cost     DECIMAL(38, 10) NOT NULL,
    blended_cost       DECIMAL(38, 10) NOT NULL,
    net_amortized_cost DECIMAL(38, 10) NOT NULL
);

-- The pieces a rule can still claim: no tag names their area, and no rule
-- did, or only a rule that undo may remove (claimed_by, its number; its
-- area). One row per signature (what rules match: the sig_* columns) and
-- row of direct_base it is part of.
CREATE TABLE direct_open (
    billing_period     DATE      NOT NULL,
    sig_product        VARCHAR   NOT NULL,
    sig_product_code   VARCHAR   NOT NULL,
    sig_usage_type     VARCHAR   NOT NULL,
    sig_operation      VARCHAR   NOT NULL,
    sig_account        VARCHAR   NOT NULL,
    sig_region         VARCHAR   NOT NULL,
    sig_resource       VARCHAR   NOT NULL,
    sig_resource_short VARCHAR   NOT NULL,
    sig_line_type      VARCHAR   NOT NULL,
    sig_tags           JSON,
    usage_date         DATE      NOT NULL,
    product            VARCHAR   NOT NULL,
    usage_type         VARCHAR   NOT NULL,
    account            VARCHAR   NOT NULL,
    resource           VARCHAR   NOT NULL,
    line_type          VARCHAR   NOT NULL,
    merged_into        VARCHAR   NOT NULL,  -- a volume part judged as its instance: method ebs
    charge             VARCHAR   NOT NULL,
    matched            BIGINT[]  NOT NULL,
    pieces             BIGINT    NOT NULL,
    unblended_cost     DECIMAL(38, 10) NOT NULL,
    amortized_cost     DECIMAL(38, 10) NOT NULL,
    blended_cost       DECIMAL(38, 10) NOT NULL,
    net_amortized_cost DECIMAL(38, 10) NOT NULL,
    claimed_by         BIGINT,
    claimed_area       VARCHAR
);

-- Discounts, credits, refunds and commitment fees no tag or rule claimed
-- (or only a rule undo may remove): each follows the usage it belongs to
-- when the month is finished, part by part.
CREATE TABLE direct_followers (
    billing_period     DATE      NOT NULL,
    follower_id        BIGINT    NOT NULL,
    sig_product        VARCHAR   NOT NULL,
    sig_product_code   VARCHAR   NOT NULL,
    sig_usage_type     VARCHAR   NOT NULL,
    sig_operation      VARCHAR   NOT NULL,
    sig_account        VARCHAR   NOT NULL,
    sig_region         VARCHAR   NOT NULL,
    sig_resource       VARCHAR   NOT NULL,
    sig_resource_short VARCHAR   NOT NULL,
    sig_line_type      VARCHAR   NOT NULL,
    sig_tags           JSON,
    usage_date         DATE      NOT NULL,
    product            VARCHAR   NOT NULL,
    usage_type         VARCHAR   NOT NULL,
    account            VARCHAR   NOT NULL,
    resource           VARCHAR   NOT NULL,
    line_type          VARCHAR   NOT NULL,
    service            VARCHAR   NOT NULL,
    charge             VARCHAR   NOT NULL,
    matched            BIGINT[]  NOT NULL,
    unblended_cost     DECIMAL(38, 10) NOT NULL,
    amortized_cost     DECIMAL(38, 10) NOT NULL,
    blended_cost       DECIMAL(38, 10) NOT NULL,
    net_amortized_cost DECIMAL(38, 10) NOT NULL,
    claimed_by         BIGINT,
    claimed_area       VARCHAR
);

-- The first rule whose claims a month keeps in direct_open and
-- direct_followers (the last rule of its full attribution): undo can remove
-- rules from there on without attributing the month again.
ALTER TABLE attributed_months ADD COLUMN open_from BIGINT;

-- A run that changed months by an appended or removed rule says so
-- ("rule 7 appended: …"); NULL for a full attribution.
ALTER TABLE attribution_runs ADD COLUMN change VARCHAR;

-- The settings a run attributed with, besides its rules (tag key, idle,
-- weights, ECS source, attribution version): a month may be brought up to
-- date by a rule change only under the same settings.
ALTER TABLE attribution_runs ADD COLUMN settings VARCHAR;
