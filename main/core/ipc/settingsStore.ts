import { SettingsSchema, type Settings } from '../../../shared/ipc.ts';
import type { SettingsTable } from '../vault/tables.ts';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SETTINGS: Settings = { theme: 'system', defaultTtls: {} };

const SETTINGS = 'app.settings';
const WINDOW = 'app.window';

/** The app's preferences (theme, default lifetimes, window placement) in the vault's database: no key data. */
export class SettingsStore {
  private readonly table: SettingsTable;

  constructor(table: SettingsTable) {
    this.table = table;
  }

  get(): Settings {
    const parsed = SettingsSchema.safeParse(this.table.get(SETTINGS));
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  save(settings: Settings): Settings {
    this.table.set(SETTINGS, settings);
    return settings;
  }

  windowBounds(): WindowBounds | undefined {
    const value = this.table.get(WINDOW);
    return value && typeof value === 'object' ? (value as WindowBounds) : undefined;
  }

  saveWindowBounds(bounds: WindowBounds): void {
    this.table.set(WINDOW, bounds);
  }
}
