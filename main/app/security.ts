/**
 * The app's origin, CSP and the checks on URLs and senders (SECURITY.md §20–22), as pure
 * functions so tests check them without Electron. The window's webPreferences are written out
 * in window.ts, where Electronegativity checks them.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'keycast';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Served with every file of the UI, and repeated in index.html for the browser tests. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The window only ever shows the app's own pages: every navigation elsewhere is refused. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Only the app's own top frame may call main (SECURITY.md §22). */
export function isTrustedSender(
  frame: { url: string; parent: unknown } | null | undefined,
): boolean {
  return Boolean(frame && frame.parent === null && isAppUrl(frame.url));
}
