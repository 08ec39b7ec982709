import { createHash } from 'node:crypto';

/** The `prev_hash` of the very first record of a log that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of what a record's hash covers: a change to the hashed members gets a new number. */
const HASH_VERSION = 1;

/** An `activity` row as SQLite returns it. */
export interface ActivityRow {
  id: number;
  at: string;
  source: string;
  event: string;
  key_id: string | null;
  kid: string | null;
  provider: string | null;
  kind: string | null;
  jti: string | null;
  subjects: string | null;
  expires_at: string | null;
  destination: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/**
 * JSON with object members sorted by name at every depth and no white space: the same value
 * always gives the same text, whatever order its members were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('canonicalJson: not a JSON value');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The SHA-256 (hex) of a row's canonical JSON (members sorted by name, no white space), which
 * holds the hash before it; the id is covered, so a record cannot be moved. Written out member by
 * member rather than through `canonicalJson`, because appending is on the path of every redirect
 * click: subjects and detail are stored as canonical JSON already and are embedded as they are
 * (text that is not canonical JSON changes the hash, as any edit does).
 */
export function hashOf(row: Omit<ActivityRow, 'hash'>): string {
  const j = JSON.stringify;
  const text =
    `{"at":${j(row.at)},"destination":${j(row.destination)},"detail":${row.detail}` +
    `,"event":${j(row.event)},"expiresAt":${j(row.expires_at)},"id":${j(Number(row.id))}` +
    `,"jti":${j(row.jti)},"keyId":${j(row.key_id)},"kid":${j(row.kid)},"kind":${j(row.kind)}` +
    `,"prev":${j(row.prev_hash)},"provider":${j(row.provider)},"source":${j(row.source)}` +
    `,"subjects":${row.subjects ?? 'null'},"v":${HASH_VERSION}}`;
  return createHash('sha256').update(text).digest('hex');
}

/** Where the chain starts: after the last pruned record, or at the beginning. */
export interface ChainStart {
  /** Id of the last pruned record (0 when nothing was pruned). */
  afterId: number;
  /** Its hash (GENESIS_HASH when nothing was pruned). */
  hash: string;
}

export type ChainProblem =
  | { kind: 'changed'; id: number; message: string }
  | { kind: 'removed'; id: number; through: number; message: string }
  | { kind: 'anchor'; id: number; message: string };

/**
 * Walks rows in id order from `start` and names the first problem: a record whose content no
 * longer matches its hash, or whose predecessor's hash is not the one it carries (the
 * predecessor was changed and its hash rewritten), or missing ids (records removed), or newest
 * records missing below the table's id sequence. Rows come one at a time, so a long log is
 * checked without holding it in memory.
 */
export class ChainWalker {
  private prevHash: string;
  private prevId: number;
  private count = 0;
  problem: ChainProblem | null = null;

  constructor(start: ChainStart) {
    this.prevHash = start.hash;
    this.prevId = start.afterId;
  }

  get checked(): number {
    return this.count;
  }

  get lastId(): number {
    return this.prevId;
  }

  /** False once a problem is found: the rest of the chain cannot be trusted anyway. */
  step(row: ActivityRow): boolean {
    if (this.problem) return false;
    const id = Number(row.id);
    if (id !== this.prevId + 1) {
      this.problem = removed(this.prevId + 1, id - 1);
      return false;
    }
    const expected = hashOf(row);
    if (row.prev_hash !== this.prevHash) {
      // The content of this record is intact; the one before it was rewritten with a new hash.
      this.problem =
        expected !== row.hash
          ? changed(id, 'its link to the record before it was changed')
          : this.count > 0
            ? changed(
                this.prevId,
                'its hash was rewritten; the next record still holds the old one',
              )
            : {
                kind: 'anchor',
                id,
                message: `Record #${id} does not follow the start of the log (the prune anchor): the anchor or the records after it were changed.`,
              };
      return false;
    }
    if (expected !== row.hash) {
      this.problem = changed(id, 'its content no longer matches its hash');
      return false;
    }
    this.prevHash = row.hash;
    this.prevId = id;
    this.count += 1;
    return true;
  }

  /** After the last row: records removed from the end show as a sequence beyond the last id. */
  finish(sequence: number): ChainProblem | null {
    if (!this.problem && sequence > this.prevId) this.problem = removed(this.prevId + 1, sequence);
    return this.problem;
  }
}

function changed(id: number, why: string): ChainProblem {
  return { kind: 'changed', id, message: `Record #${id} was changed: ${why}.` };
}

function removed(id: number, through: number): ChainProblem {
  const which = id === through ? `Record #${id} was` : `Records #${id} to #${through} were`;
  return { kind: 'removed', id, through, message: `${which} removed.` };
}
