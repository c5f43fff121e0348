-- Rows: records streamed into datasets (PutEvents, PutItems, ...), kept
-- here durably from the moment they are acknowledged. seq orders them.
CREATE TABLE rows (
    seq     {{id}},
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    dataset TEXT NOT NULL,
    data    {{blob}} NOT NULL
);

CREATE INDEX rows_dataset ON rows (account, region, dataset, seq);
