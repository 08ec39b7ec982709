/**
 * The database schema, as numbered forward-only migrations: migration N brings a database from
 * schema version N-1 to N (`PRAGMA user_version`). Never edit a migration that has shipped; add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: key records, uploads, credential names, templates, settings, quarantine.
  `
  CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kid         TEXT NOT NULL UNIQUE,
    alg         TEXT NOT NULL,
    public_jwk  TEXT,
    -- RFC 7638 thumbprint of the public key: the same key pair is never stored twice.
    thumbprint  TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    provider    TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active',
    attributes  TEXT NOT NULL DEFAULT '{}',
    -- Members a newer Keycast wrote that this one does not know: kept verbatim, never dropped.
    extra       TEXT NOT NULL DEFAULT '{}'
  ) STRICT;

  -- A key is found by id, kid or name: no value may mean two different keys.
  CREATE TRIGGER keys_refs_unique_insert BEFORE INSERT ON keys
  WHEN EXISTS (SELECT 1 FROM keys WHERE id <> NEW.id AND (
         id IN (NEW.name, NEW.kid) OR kid IN (NEW.id, NEW.name) OR name IN (NEW.id, NEW.kid)))
  BEGIN SELECT RAISE(ABORT, 'keycast: reference clash'); END;

  CREATE TRIGGER keys_refs_unique_update BEFORE UPDATE OF id, name, kid ON keys
  WHEN EXISTS (SELECT 1 FROM keys WHERE id <> NEW.id AND (
         id IN (NEW.name, NEW.kid) OR kid IN (NEW.id, NEW.name) OR name IN (NEW.id, NEW.kid)))
  BEGIN SELECT RAISE(ABORT, 'keycast: reference clash'); END;

  CREATE TABLE uploads (
    key_id      TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE ON UPDATE CASCADE,
    provider    TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    expires_at  TEXT,
    PRIMARY KEY (key_id, provider, remote_id)
  ) STRICT;

  CREATE TABLE credentials (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
  ) STRICT;

  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  -- Records that could not be read (an old keycast.json, a restore): kept with the reason.
  CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    body           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    source         TEXT NOT NULL,
    quarantined_at TEXT NOT NULL
  ) STRICT;
  `,
  // 2: redirect links (only a keyed hash of each link's secret id) and their clicks.
  `
  CREATE TABLE links (
    id            TEXT PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    provider      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    key_id        TEXT NOT NULL REFERENCES keys(id) ON DELETE RESTRICT,
    params        TEXT NOT NULL,
    token_ttl     INTEGER NOT NULL,
    valid_from    TEXT,
    valid_until   TEXT,
    max_uses      INTEGER,
    uses          INTEGER NOT NULL DEFAULT 0,
    confirm       INTEGER NOT NULL DEFAULT 0,
    label         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_click_at TEXT
  ) STRICT;

  CREATE TABLE clicks (
    id      INTEGER PRIMARY KEY,
    link_id TEXT REFERENCES links(id) ON DELETE SET NULL,
    at      TEXT NOT NULL,
    outcome TEXT NOT NULL,
    kid     TEXT,
    jti     TEXT,
    client  TEXT,
    agent   TEXT
  ) STRICT;
  CREATE INDEX clicks_by_link ON clicks (link_id, id);
  `,
  // 3: verify-hook decisions of `keycast serve` (nginx-rtmp, SRS, MediaMTX): never a token.
  `
  CREATE TABLE hook_decisions (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    hook    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    action  TEXT,
    app     TEXT,
    stream  TEXT,
    caller  TEXT,
    client  TEXT,
    kid     TEXT,
    jti     TEXT
  ) STRICT;
  `,
  // 4: the activity log (lifecycle/activity): append-only, each record chained to the one before
  // by its hash. AUTOINCREMENT so ids are never reused: a gap, or a newest id below the sequence,
  // names a removed record. The anchor holds the last pruned record's id and hash. No index but
  // the ids: every redirect click appends a record, and lists read newest first by id.
  `
  CREATE TABLE activity (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    source      TEXT NOT NULL,
    event       TEXT NOT NULL,
    key_id      TEXT,
    kid         TEXT,
    provider    TEXT,
    kind        TEXT,
    jti         TEXT,
    subjects    TEXT,
    expires_at  TEXT,
    destination TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
  ) STRICT;

  CREATE TABLE activity_anchor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    pruned    INTEGER NOT NULL,
    pruned_at TEXT NOT NULL
  ) STRICT;
  `,
  // 5: key rotations (each step recorded with the platform's ids, so an interrupted rotation
  // resumes without uploading twice or deleting early) and per-key rotation policies.
  `
  CREATE TABLE rotations (
    id              TEXT PRIMARY KEY,
    -- The name scripts use (--key chat): the predecessor's, moved to the successor at the switch.
    name            TEXT NOT NULL,
    predecessor_id  TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
    successor_id    TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
    mode            TEXT NOT NULL,
    platforms       TEXT NOT NULL,
    params          TEXT NOT NULL DEFAULT '{}',
    overlap_seconds INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    switch_at       TEXT NOT NULL,
    switched_at     TEXT,
    retire_after    TEXT,
    completed_at    TEXT,
    last_error      TEXT,
    updated_at      TEXT NOT NULL
  ) STRICT;
  -- One unfinished rotation per key: two processes starting one at once cannot both succeed.
  CREATE UNIQUE INDEX rotations_open ON rotations (predecessor_id) WHERE completed_at IS NULL;
  CREATE INDEX rotations_by_successor ON rotations (successor_id);

  CREATE TABLE rotation_steps (
    rotation_id TEXT NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
    step        TEXT NOT NULL,
    done_at     TEXT NOT NULL,
    remote_ids  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (rotation_id, step)
  ) STRICT;

  CREATE TABLE key_policies (
    key_id          TEXT PRIMARY KEY REFERENCES keys(id) ON DELETE CASCADE,
    rotate_every    INTEGER NOT NULL,
    overlap_seconds INTEGER,
    params          TEXT NOT NULL DEFAULT '{}',
    updated_at      TEXT NOT NULL
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
