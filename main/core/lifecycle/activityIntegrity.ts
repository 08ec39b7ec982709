import type { StatementSync } from 'node:sqlite';
import { InputError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import { ChainWalker, GENESIS_HASH, type ActivityRow, type ChainProblem } from './activityChain.ts';
import { preparedEntry, type ActivityEntry } from './activityEntry.ts';
import { checkRetention } from './activitySettings.ts';

export interface ActivityVerification {
  intact: boolean;
  /** Records checked. */
  records: number;
  /** The id and hash of the newest record (what an admin can note elsewhere and compare later). */
  head: { id: number; hash: string } | null;
  /** Records up to this id were pruned (and their last hash kept). */
  prunedThrough: number | null;
  problem: ChainProblem | null;
}

export interface PruneResult {
  /** Records removed now. */
  pruned: number;
  /** Id of the last record removed, or null when nothing was old enough. */
  through: number | null;
  olderThanDays: number;
}

/** Where the chain starts after a prune: the id and hash of the last record removed. */
export interface AnchorRow {
  last_id: number;
  last_hash: string;
}

export interface ActivityIntegrityOptions {
  database: Database;
  /** The log's prepared-statement cache (shared, so each SQL text is prepared once). */
  statement: (sql: string) => StatementSync;
  /** Appends to the chain: the prune's own record goes through the log like any other. */
  append: (entry: ActivityEntry) => number;
  retentionDays: () => number;
}

/** A long-running process prunes at most this often on its own. */
const AUTO_PRUNE_EVERY_MS = 12 * 3600_000;
const DAY_MS = 86_400_000;

/**
 * The activity chain's integrity and retention: verifying it from the prune anchor, and pruning
 * old records only behind a verified anchor, so removing records never hides a change.
 */
export class ActivityIntegrity {
  private readonly database: Database;
  private readonly statement: (sql: string) => StatementSync;
  private readonly append: (entry: ActivityEntry) => number;
  private readonly retentionDays: () => number;
  private lastAutoPrune = 0;

  constructor(options: ActivityIntegrityOptions) {
    this.database = options.database;
    this.statement = options.statement;
    this.append = options.append;
    this.retentionDays = options.retentionDays;
  }

  /** Walks the whole chain from the prune anchor and names the first record changed or removed. */
  verify(): ActivityVerification {
    return this.readConsistently(() => {
      const anchor = this.anchor();
      const walker = new ChainWalker(
        anchor
          ? { afterId: Number(anchor.last_id), hash: anchor.last_hash }
          : { afterId: 0, hash: GENESIS_HASH },
      );
      let head: { id: number; hash: string } | null = null;
      const rows = this.database.db
        .prepare('SELECT * FROM activity ORDER BY id')
        .iterate() as Iterable<ActivityRow>;
      for (const row of rows) {
        if (!walker.step(row)) break;
        head = { id: Number(row.id), hash: row.hash };
      }
      const problem =
        walker.finish(this.sequence()) ?? (anchor ? this.anchorProblem(anchor) : null);
      return {
        intact: problem === null,
        records: walker.checked,
        head,
        prunedThrough: anchor ? Number(anchor.last_id) : null,
        problem,
      };
    });
  }

  /**
   * Removes records older than the retention (or `olderThanDays`), oldest first, keeping the id
   * and hash of the last one removed as the anchor the chain is verified from, then records the
   * prune itself. The records removed are verified first: pruning never hides a change.
   */
  prune(options: { olderThanDays?: number; now?: Date } = {}): PruneResult {
    const days = options.olderThanDays ?? this.retentionDays();
    checkRetention(days);
    const cutoff = new Date((options.now ?? new Date()).getTime() - days * DAY_MS).toISOString();
    return this.database.transaction((): PruneResult => {
      const last = this.database.db
        .prepare('SELECT max(id) AS id FROM activity WHERE at < ?')
        .get(cutoff) as { id: number | null };
      if (last.id === null) return { pruned: 0, through: null, olderThanDays: days };
      const through = Number(last.id);
      const checked = this.verifyThrough(through);
      const anchor = this.anchor();
      const pruned = through - (anchor ? Number(anchor.last_id) : 0);
      this.database.db
        .prepare(
          `INSERT INTO activity_anchor (id, last_id, last_hash, pruned, pruned_at)
           VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id,
             last_hash = excluded.last_hash, pruned = pruned + excluded.pruned,
             pruned_at = excluded.pruned_at`,
        )
        .run(through, checked.hash, pruned, new Date().toISOString());
      this.database.db.prepare('DELETE FROM activity WHERE id <= ?').run(through);
      this.append(
        preparedEntry(
          {
            event: 'activity-pruned',
            detail: { through, records: pruned, hash: checked.hash, olderThanDays: days },
          },
          null,
        ),
      );
      return { pruned, through, olderThanDays: days };
    });
  }

  /**
   * Prunes by the retention setting when the oldest record is past it, at most every 12 hours per
   * process. A log that does not verify is left alone here: `keycast activity verify` says why.
   */
  pruneIfDue(now = new Date()): PruneResult | null {
    if (now.getTime() - this.lastAutoPrune < AUTO_PRUNE_EVERY_MS) return null;
    this.lastAutoPrune = now.getTime();
    const cutoff = new Date(now.getTime() - this.retentionDays() * DAY_MS).toISOString();
    const oldest = this.database.read(
      () =>
        this.statement('SELECT at FROM activity ORDER BY id LIMIT 1').get() as
          { at: string } | undefined,
    );
    if (!oldest || oldest.at >= cutoff) return null;
    try {
      return this.prune({ now });
    } catch (error) {
      if (error instanceof InputError) return null;
      throw error;
    }
  }

  /**
   * Applies the retention after a record was written: the record is what counts, so a prune that
   * fails (a busy database) never turns a minted token into a reported failure; the next one tries.
   */
  pruneAside(): void {
    try {
      this.pruneIfDue();
    } catch {
      // left for the next process, `keycast activity prune` or the server's timer
    }
  }

  anchor(): AnchorRow | undefined {
    return this.statement('SELECT last_id, last_hash FROM activity_anchor WHERE id = 1').get() as
      AnchorRow | undefined;
  }

  /** The records about to be pruned, checked from the anchor to `through`: their last hash. */
  private verifyThrough(through: number): { hash: string } {
    const anchor = this.anchor();
    const walker = new ChainWalker(
      anchor
        ? { afterId: Number(anchor.last_id), hash: anchor.last_hash }
        : { afterId: 0, hash: GENESIS_HASH },
    );
    let hash = anchor?.last_hash ?? GENESIS_HASH;
    // One record past the last pruned: its link shows whether the last pruned one was rewritten.
    const rows = this.database.db
      .prepare('SELECT * FROM activity WHERE id <= ? ORDER BY id')
      .iterate(through + 1) as Iterable<ActivityRow>;
    for (const row of rows) {
      if (!walker.step(row)) break;
      if (Number(row.id) === through) hash = row.hash;
    }
    const problem = walker.problem;
    if (problem) {
      throw new InputError(
        `The activity log does not verify (${problem.message}) — pruning would hide that: keep the data folder as it is for an investigation; run "keycast activity verify" for the details.`,
      );
    }
    return { hash };
  }

  /** A prune anchor matches the newest prune record; one without it was written by hand. */
  private anchorProblem(anchor: AnchorRow): ChainProblem | null {
    const row = this.database.db
      .prepare(
        "SELECT id, detail FROM activity WHERE event = 'activity-pruned' ORDER BY id DESC LIMIT 1",
      )
      .get() as { id: number; detail: string } | undefined;
    let detail: Record<string, unknown> = {};
    try {
      detail = row ? (JSON.parse(row.detail) as Record<string, unknown>) : {};
    } catch {
      // a changed record: the walk has already named it
    }
    if (row && detail.through === Number(anchor.last_id) && detail.hash === anchor.last_hash)
      return null;
    const first = Number(anchor.last_id) + 1;
    return {
      kind: 'anchor',
      id: first,
      message: `The prune anchor (records up to #${anchor.last_id} pruned) matches no prune record: records up to #${anchor.last_id} were removed by hand, or the anchor was changed.`,
    };
  }

  /** The highest id ever given (SQLite's AUTOINCREMENT sequence). */
  private sequence(): number {
    const row = this.statement("SELECT seq FROM sqlite_sequence WHERE name = 'activity'").get() as
      { seq: number } | undefined;
    return Number(row?.seq ?? 0);
  }

  /** One read transaction, so the anchor, the rows and the sequence agree. */
  private readConsistently<T>(read: () => T): T {
    return this.database.read(() => {
      const db = this.database.db;
      if (db.isTransaction) return read();
      db.exec('BEGIN');
      try {
        return read();
      } finally {
        db.exec('COMMIT');
      }
    });
  }
}
