-- Scope versions: a counter per account and region, raised by every
-- transaction that changes a record of the scope. Readers that cache what
-- they read from records check it to know their copy is current.
CREATE TABLE scope_versions (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (account, region)
);
