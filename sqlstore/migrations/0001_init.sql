-- Records: every stored resource, one table shape for all resource types.
-- {{id}} and {{blob}} are replaced per dialect (see dialect.go).
-- Times are Unix microseconds, UTC.
CREATE TABLE records (
    seq     {{id}},
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    type    TEXT NOT NULL,
    arn     TEXT NOT NULL,
    key     TEXT NOT NULL,
    parent  TEXT NOT NULL DEFAULT '',
    status  TEXT NOT NULL DEFAULT '',
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    tags    TEXT NOT NULL DEFAULT '{}',
    data    {{blob}}
);

CREATE UNIQUE INDEX records_arn ON records (account, region, arn);

CREATE UNIQUE INDEX records_key ON records (account, region, type, key);

CREATE INDEX records_list ON records (account, region, type, seq);

CREATE INDEX records_list_parent ON records (account, region, type, parent, seq);

-- Jobs: the durable work queue. leased_until is NULL until first claimed.
CREATE TABLE jobs (
    id           {{id}},
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    arn          TEXT NOT NULL,
    payload      {{blob}},
    run_at       BIGINT NOT NULL,
    leased_until BIGINT,
    attempts     INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX jobs_claim ON jobs (run_at, id);

-- Secrets: named random values shared by every replica.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value {{blob}} NOT NULL
);
