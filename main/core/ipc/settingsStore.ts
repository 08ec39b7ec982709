import Conf from 'conf';
import { SettingsSchema, type Settings } from '../../../shared/ipc.ts';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

interface SettingsFile {
  settings?: unknown;
  window?: WindowBounds;
}

export const DEFAULT_SETTINGS: Settings = { theme: 'system', defaultTtls: {} };

/** The app's preferences (theme, default lifetimes, window placement): no key data. */
export class SettingsStore {
  private readonly conf: Conf<SettingsFile>;

  constructor(dir: string) {
    this.conf = new Conf<SettingsFile>({
      cwd: dir,
      configName: 'settings',
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
    });
  }

  get(): Settings {
    const parsed = SettingsSchema.safeParse(this.conf.get('settings'));
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  save(settings: Settings): Settings {
    this.conf.set('settings', settings);
    return settings;
  }

  windowBounds(): WindowBounds | undefined {
    return this.conf.get('window');
  }

  saveWindowBounds(bounds: WindowBounds): void {
    this.conf.set('window', bounds);
  }
}
