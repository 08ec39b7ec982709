import type { Database } from '../store/database.ts';

/** Settings that belong to the vault (the app's preferences, OBS address…), as JSON values by name. */
export class SettingsTable {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  get(name: string): unknown {
    const row = this.database.read(
      () =>
        this.database.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as
          { value: string } | undefined,
    );
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  set(name: string, value: unknown): void {
    this.database.transaction(() =>
      this.database.db
        .prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)')
        .run(name, JSON.stringify(value)),
    );
  }
}

/** A saved template as stored: its body is validated where it is used, so a broken one is listed, not lost. */
export interface StoredTemplate {
  name: string;
  body: unknown;
}

/** Custom-provider templates, one row each: saving or deleting one never rewrites the others. */
export class TemplateTable {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  all(): StoredTemplate[] {
    return this.database.read(() =>
      (
        this.database.db.prepare('SELECT name, body FROM templates ORDER BY name').all() as {
          name: string;
          body: string;
        }[]
      ).map((row) => ({ name: row.name, body: parseBody(row.body) })),
    );
  }

  save(name: string, body: unknown): void {
    this.database.transaction(() =>
      this.database.db
        .prepare('INSERT OR REPLACE INTO templates (name, body) VALUES (?, ?)')
        .run(name, JSON.stringify(body)),
    );
  }

  /** Inserts a template only where the name is free; false when it was taken. */
  insert(name: string, body: unknown): boolean {
    return this.database.transaction(
      () =>
        Number(
          this.database.db
            .prepare('INSERT OR IGNORE INTO templates (name, body) VALUES (?, ?)')
            .run(name, JSON.stringify(body)).changes,
        ) > 0,
    );
  }

  delete(name: string): boolean {
    return this.database.transaction(
      () =>
        Number(this.database.db.prepare('DELETE FROM templates WHERE name = ?').run(name).changes) >
        0,
    );
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
