-- Business volume (API calls, events, customers) per month, for unit costs.
CREATE TABLE business_metrics (
    file_id BIGINT  NOT NULL,
    month   DATE    NOT NULL,   -- first day of the month (daily rows are summed)
    metric  VARCHAR NOT NULL,
    area    VARCHAR,            -- NULL: the metric is for the whole company
    value   DOUBLE  NOT NULL
);
