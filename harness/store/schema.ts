/**
 * The store's on-disk format: identification (format name, schema version, SQLite
 * `application_id`) and the DDL of its tables. A store is a single SQLite file in WAL mode.
 */

/** Value of `meta.format` in every naspoison store. */
export const STORE_FORMAT = 'naspoison-store';

/** Schema version this code writes and reads; stores with a larger version are refused. */
export const SCHEMA_VERSION = 1;

/** `PRAGMA application_id` of naspoison stores: the ASCII bytes `NASP` (0x4E415350). */
export const APPLICATION_ID = 0x4e415350;

/** Milliseconds a connection waits for another process's lock before failing with `busy`. */
export const BUSY_TIMEOUT_MS = 15_000;

/** Tables every store of {@link SCHEMA_VERSION} has. */
export const REQUIRED_TABLES = ['meta', 'trials', 'runs', 'cache'] as const;

/**
 * DDL of schema version 1. Tables are STRICT (SQLite ≥ 3.37) so a wrongly typed value is an error
 * rather than silently stored; JSON columns hold canonical JSON text.
 */
export const SCHEMA_SQL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE trials (
  trial_key            TEXT PRIMARY KEY,
  matrix               TEXT NOT NULL,
  nas                  TEXT NOT NULL,
  attack               TEXT NOT NULL,
  budget               REAL NOT NULL CHECK (budget >= 0 AND budget < 1),
  defence              TEXT NOT NULL,
  trial_index          INTEGER NOT NULL CHECK (trial_index >= 0),
  tier                 TEXT NOT NULL,
  seed                 INTEGER NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('completed', 'errored')),
  error                TEXT,
  dataset              TEXT NOT NULL,
  dataset_hash         TEXT NOT NULL,
  poison_hash          TEXT,
  genotype             TEXT,
  canonical_genotype   TEXT,
  accuracy             REAL,
  random_baseline_mean REAL,
  delta_improvement    REAL,
  diagnostics_json     TEXT NOT NULL,
  params_json          TEXT NOT NULL,
  environment_json     TEXT NOT NULL,
  backend              TEXT NOT NULL,
  code_version         TEXT NOT NULL,
  started_at           TEXT NOT NULL,
  finished_at          TEXT NOT NULL,
  duration_ms          REAL NOT NULL,
  run_id               TEXT
) STRICT;

CREATE INDEX trials_by_cell    ON trials (matrix, nas, attack, defence, budget, tier, trial_index);
CREATE INDEX trials_by_nas     ON trials (nas);
CREATE INDEX trials_by_attack  ON trials (attack, budget);
CREATE INDEX trials_by_defence ON trials (defence);
CREATE INDEX trials_by_tier    ON trials (tier);
CREATE INDEX trials_by_status  ON trials (status);
CREATE INDEX trials_by_code    ON trials (code_version);
CREATE INDEX trials_by_run     ON trials (run_id);

CREATE TABLE runs (
  run_id           TEXT PRIMARY KEY,
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  exit_code        INTEGER,
  tier             TEXT NOT NULL,
  command          TEXT NOT NULL,
  spec_files_json  TEXT NOT NULL,
  environment_json TEXT NOT NULL,
  code_version     TEXT NOT NULL
) STRICT;

CREATE INDEX runs_by_start ON runs (started_at, run_id);

CREATE TABLE cache (
  namespace  TEXT NOT NULL,
  key        TEXT NOT NULL,
  value_json TEXT NOT NULL,
  meta_json  TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT, WITHOUT ROWID;
`;
