-- What each month's attribution depends on besides the settings (its
-- files, and the tasks and attachments over its hours), as last computed:
-- reading it from the lines takes seconds on a year, and only a sync
-- changes it, so a sync empties this table and the next run fills it.
CREATE TABLE month_inputs (
    billing_period DATE    NOT NULL,
    data           VARCHAR NOT NULL
);
