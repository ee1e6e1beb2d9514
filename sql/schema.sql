-- dauys workspace schema (SQLite). Embedded into the binary at build time.
-- The database is a store of record for the organisers; the log entries and
-- the files they name (kept here byte for byte) are the evidence an auditor
-- re-derives everything from, without trusting these tables.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- keys: schema_version, referendum, mode, origin, central_public_key

-- Every version of the signed manifest (the roster), as received.
CREATE TABLE manifest (
    version          INTEGER PRIMARY KEY,
    text             BLOB NOT NULL,
    signature        BLOB NOT NULL,
    text_sha256      BLOB NOT NULL,
    signature_sha256 BLOB NOT NULL,
    log_index        INTEGER NOT NULL UNIQUE REFERENCES log_entry(idx)
);

CREATE TABLE question (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    profile  TEXT NOT NULL,
    text     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE region (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    kind     TEXT NOT NULL,
    name     TEXT NOT NULL
) WITHOUT ROWID;

-- precincts: how many the manifest in force lists in the district, so that
-- a tally needs only the manifest's frame, not its roster (schema version 3).
CREATE TABLE district (
    id        TEXT PRIMARY KEY,
    region    TEXT NOT NULL REFERENCES region(id),
    name      TEXT NOT NULL,
    precincts INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE precinct (
    id         TEXT PRIMARY KEY,
    district   TEXT NOT NULL REFERENCES district(id),
    region     TEXT NOT NULL REFERENCES region(id),
    voters     INTEGER NOT NULL CHECK (voters >= 0),
    public_key TEXT NOT NULL,
    name       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX precinct_region ON precinct(region);
CREATE INDEX precinct_district ON precinct(district);

-- Every submitted protocol file, whatever became of it. Never deleted.
-- A duplicate adds no row: the same protocol bytes as a version that already
-- counts, or the same protocol and signature files judged under the same
-- manifest version (after a new version, e.g. a rotated key, they are
-- judged again).
CREATE TABLE submission (
    seq              INTEGER PRIMARY KEY,  -- order of receipt
    protocol_sha256  BLOB NOT NULL,
    signature_sha256 BLOB,                 -- NULL: no signature file
    protocol         BLOB NOT NULL,
    signature        BLOB,
    source           TEXT NOT NULL,        -- the path it was ingested from
    precinct         TEXT,                 -- as the file claims, when readable
    version          INTEGER,
    level            TEXT CHECK (level IN ('district', 'region')), -- a summary's; NULL: a protocol
    area             TEXT,                 -- a summary's district or region; NULL: a protocol
    outcome          TEXT NOT NULL CHECK (outcome IN
                       ('accepted', 'correction', 'rejected', 'replay', 'conflict', 'stale')),
    reason_code      TEXT,                 -- R1.., parse, signature, referendum, precinct, ...
    reason           TEXT,
    manifest_version INTEGER NOT NULL,     -- the roster it was judged against
    log_index        INTEGER NOT NULL UNIQUE REFERENCES log_entry(idx)
);
CREATE INDEX submission_precinct ON submission(precinct);
CREATE UNIQUE INDEX submission_files
    ON submission(protocol_sha256, ifnull(signature_sha256, x''), manifest_version);

-- The numbers of each accepted protocol version. state: 'current' counts;
-- 'superseded' by a later version; 'conflicted' when a different protocol
-- claimed the same version (neither counts until a correction arrives).
CREATE TABLE protocol (
    precinct         TEXT NOT NULL REFERENCES precinct(id),
    version          INTEGER NOT NULL,
    submission       INTEGER NOT NULL UNIQUE REFERENCES submission(seq),
    state            TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'conflicted')),
    on_list          INTEGER NOT NULL,
    PRIMARY KEY (precinct, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX protocol_current ON protocol(precinct) WHERE state = 'current';

CREATE TABLE protocol_answer (
    precinct    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    question    TEXT NOT NULL REFERENCES question(id),
    received    INTEGER NOT NULL,
    issued      INTEGER NOT NULL,
    cancelled   INTEGER NOT NULL,
    in_boxes    INTEGER NOT NULL,
    yes         INTEGER NOT NULL,
    no          INTEGER NOT NULL,
    not_counted INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    PRIMARY KEY (precinct, version, question),
    FOREIGN KEY (precinct, version) REFERENCES protocol(precinct, version)
) WITHOUT ROWID;

-- The numbers of each accepted summary protocol version (schema version 5):
-- as protocol, for a district or region commission's summary. A summary is
-- checked against what counts below it, never counted itself. state:
-- 'current' is the one checked; 'superseded'; 'conflicted' as for protocols.
CREATE TABLE summary (
    level            TEXT NOT NULL CHECK (level IN ('district', 'region')),
    area             TEXT NOT NULL,
    version          INTEGER NOT NULL,
    submission       INTEGER NOT NULL UNIQUE REFERENCES submission(seq),
    state            TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'conflicted')),
    on_list          INTEGER NOT NULL,
    PRIMARY KEY (level, area, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX summary_current ON summary(level, area) WHERE state = 'current';

-- What each summary version says it summed: its `sums` lines (a precinct
-- and its protocol's version, or a district and its summary's version).
CREATE TABLE summary_item (
    level        TEXT NOT NULL,
    area         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    item         TEXT NOT NULL,
    item_version INTEGER NOT NULL,
    PRIMARY KEY (level, area, version, item),
    FOREIGN KEY (level, area, version) REFERENCES summary(level, area, version)
) WITHOUT ROWID;

CREATE TABLE summary_answer (
    level       TEXT NOT NULL,
    area        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    question    TEXT NOT NULL REFERENCES question(id),
    received    INTEGER NOT NULL,
    issued      INTEGER NOT NULL,
    cancelled   INTEGER NOT NULL,
    in_boxes    INTEGER NOT NULL,
    yes         INTEGER NOT NULL,
    no          INTEGER NOT NULL,
    not_counted INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    PRIMARY KEY (level, area, version, question),
    FOREIGN KEY (level, area, version) REFERENCES summary(level, area, version)
) WITHOUT ROWID;

-- Lawful but odd numbers (W1..) in accepted protocols and summaries.
CREATE TABLE warning (
    submission INTEGER NOT NULL REFERENCES submission(seq),
    code       TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX warning_submission ON warning(submission);

-- The log: canonical entries, hash-chained, leaves of an RFC 6962 tree.
CREATE TABLE log_entry (
    idx    INTEGER PRIMARY KEY,
    entry  BLOB NOT NULL,
    sha256 BLOB NOT NULL   -- SHA-256(entry): the next entry's "previous"
);

-- Every complete subtree of the log's Merkle tree: level 0 holds the leaf
-- hashes; (level, idx) covers leaves [idx << level, (idx + 1) << level).
CREATE TABLE merkle_node (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints (C2SP tlog-checkpoint, signed note) issued so far.
CREATE TABLE checkpoint (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    note TEXT NOT NULL
);

-- The counting totals per district and question, kept current by the
-- triggers below as protocols are accepted, superseded or put in conflict,
-- so that a tally reads a few thousand rows, not every protocol. The test
-- suite checks them against a recount from the protocols (tally_recount.sql).
CREATE TABLE district_total (
    district    TEXT NOT NULL REFERENCES district(id),
    question    TEXT NOT NULL REFERENCES question(id),
    reporting   INTEGER NOT NULL,
    eligible    INTEGER NOT NULL,
    took_part   INTEGER NOT NULL,
    yes         INTEGER NOT NULL,
    no          INTEGER NOT NULL,
    not_counted INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    PRIMARY KEY (district, question)
) WITHOUT ROWID;

-- An answer row of a protocol that counts adds to its district's totals.
CREATE TRIGGER count_answer AFTER INSERT ON protocol_answer
WHEN (SELECT state FROM protocol WHERE precinct = NEW.precinct AND version = NEW.version) = 'current'
BEGIN
    INSERT INTO district_total(district, question, reporting, eligible, took_part, yes, no,
                               not_counted, invalid)
    SELECT p.district, NEW.question, 1, c.on_list, NEW.in_boxes, NEW.yes, NEW.no,
           NEW.not_counted, NEW.invalid
      FROM precinct p JOIN protocol c ON c.precinct = NEW.precinct AND c.version = NEW.version
     WHERE p.id = NEW.precinct
    ON CONFLICT (district, question) DO UPDATE SET
        reporting = district_total.reporting + 1,
        eligible = district_total.eligible + excluded.eligible,
        took_part = district_total.took_part + excluded.took_part,
        yes = district_total.yes + excluded.yes, no = district_total.no + excluded.no,
        not_counted = district_total.not_counted + excluded.not_counted,
        invalid = district_total.invalid + excluded.invalid;
END;

-- A protocol that stops counting (superseded, or in conflict) is taken out.
CREATE TRIGGER uncount_protocol AFTER UPDATE OF state ON protocol
WHEN OLD.state = 'current' AND NEW.state <> 'current'
BEGIN
    UPDATE district_total SET
        reporting = district_total.reporting - 1,
        eligible = district_total.eligible - OLD.on_list,
        took_part = district_total.took_part - a.in_boxes,
        yes = district_total.yes - a.yes, no = district_total.no - a.no,
        not_counted = district_total.not_counted - a.not_counted,
        invalid = district_total.invalid - a.invalid
      FROM protocol_answer a JOIN precinct p ON p.id = a.precinct
     WHERE a.precinct = OLD.precinct AND a.version = OLD.version
       AND district_total.district = p.district AND district_total.question = a.question;
END;
