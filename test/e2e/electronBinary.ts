import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.ts';

/**
 * The Electron binary to launch, without triggering a download: KEYCAST_ELECTRON_PATH, else the
 * binary the `electron` package installed (path.txt + dist/), else null. (Requiring `electron`
 * from Node would try to download it.)
 */
export function electronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.KEYCAST_ELECTRON_PATH) {
    return existsSync(env.KEYCAST_ELECTRON_PATH) ? env.KEYCAST_ELECTRON_PATH : null;
  }
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}
