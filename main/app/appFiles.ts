import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface AppFile {
  path: string;
  mime: string;
}

/**
 * Maps `app://keycast/<path>` to a file inside the built UI folder, or null: other hosts,
 * unknown types and any path that would leave the folder (`..`, encoded or not) get nothing.
 */
export function resolveAppFile(root: string, url: string): AppFile | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const base = resolve(root);
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
  const path = resolve(join(base, relative));
  if (path !== base && !path.startsWith(base + sep)) return null;
  const mime = MIME[extname(path).toLowerCase()];
  if (!mime || !existsSync(path) || !statSync(path).isFile()) return null;
  return { path, mime };
}

/** Headers of every file of the UI: its type, the CSP, no sniffing. */
export function appFileHeaders(file: AppFile): Record<string, string> {
  return {
    'Content-Type': file.mime,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
  };
}
