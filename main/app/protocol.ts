import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { appFileHeaders, resolveAppFile } from './appFiles.ts';
import { APP_SCHEME } from './security.ts';

/** Serves the built UI from `app://keycast/`, with the CSP on every response; nothing remote. */
export function serveAppFiles(protocol: Protocol, root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(root, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(await readFile(file.path), { headers: appFileHeaders(file) });
  });
}
