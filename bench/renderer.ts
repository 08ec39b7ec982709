/**
 * Renderer benchmarks (`npm run bench`, after the CLI figures), each next to a baseline measured in
 * the same run:
 *  - the UI's JavaScript, gzip-compressed, against react-dom's own production build (the floor any
 *    React UI pays); target ≤ 300 KB;
 *  - time to first render of the Keys screen with 1,000 keys in Chromium, the page's IPC bridged
 *    to the real handlers, against the same screen with an empty vault; target ≤ 500 ms.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KeyRecord } from '../shared/keyRecord.ts';
import { publicBodyOf, thumbprintOf, toPublicJwk } from '../main/core/keys/publicJwk.ts';
import { Database } from '../main/core/store/database.ts';
import { insertKey } from '../main/core/store/keyTable.ts';
import { RENDERER_DIR, launchChromium, openApp, serveRenderer } from '../test/e2e/bridge.ts';

const TARGET_GZIP_KB = 300;
const TARGET_RENDER_MS = 500;
const KEYS = 1000;
const ROUNDS = 5;

const gzipKb = (bytes: Buffer): number => gzipSync(bytes, { level: 9 }).length / 1024;

function bundleSize(): { ui: number; baseline: number } {
  const assets = join(RENDERER_DIR, 'assets');
  const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const ui = js.reduce((sum, f) => sum + gzipKb(readFileSync(join(assets, f))), 0);
  const require = createRequire(import.meta.url);
  const reactDom = join(
    dirname(require.resolve('react-dom/package.json')),
    'cjs',
    'react-dom-client.production.js',
  );
  return { ui, baseline: gzipKb(readFileSync(reactDom)) };
}

/** A vault folder with `count` key records (public parts of real EC and Ed25519 keys). */
function vaultWith(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'keycast-bench-ui-'));
  const database = Database.open(dir, {
    warn: () => undefined,
    createVaultId: () => 'bench-vault',
  });
  const algs = ['ES256', 'EdDSA'] as const;
  database.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const alg = algs[i % 2]!;
      const body = publicBodyOf(
        alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
          : generateKeyPairSync('ed25519').publicKey,
      );
      const kid = thumbprintOf(body);
      const record: KeyRecord = {
        id: `key${String(i).padStart(5, '0')}`,
        name: `key-${i}`,
        alg,
        kid,
        publicJwk: toPublicJwk(body, kid, alg),
        createdAt: new Date(Date.now() - i * 86_400_000).toISOString(),
        expiresAt: i % 7 === 0 ? new Date(Date.now() + (i % 20) * 86_400_000).toISOString() : null,
        provider: ['kinescope', 'frameable', 'vonage'][i % 3]!,
        notes: '',
        status: 'active',
      };
      insertKey(database.db, record);
    }
  });
  database.db.close();
  return dir;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median ms from navigation start to the screen's first content, and to all its rows. */
async function firstRender(count: number): Promise<{ first: number; all: number }> {
  const home = vaultWith(count);
  const browser = await launchChromium();
  const times: number[] = [];
  const allTimes: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const context = await browser.newContext();
      await serveRenderer(context);
      const { page } = await openApp(context, { dataDir: home, dropDir: home });
      // Milliseconds from the start of navigation to the frame that shows the screen's content.
      const rowsAt = async (n: number): Promise<number> =>
        (await (
          await page.waitForFunction(
            (rows) =>
              (rows === 0
                ? document.querySelector('.empty')
                : document.querySelectorAll('table.keys tbody tr').length >= rows) &&
              performance.now(),
            n,
            { polling: 'raf' },
          )
        ).jsonValue()) as number;
      times.push(await rowsAt(Math.min(count, 1)));
      allTimes.push(await rowsAt(count));
      await context.close();
    }
  } finally {
    await browser.close();
    rmSync(home, { recursive: true, force: true });
  }
  return { first: median(times), all: median(allTimes) };
}

const size = bundleSize();
console.log(
  `renderer JS (gzip): ${size.ui.toFixed(1)} KB = ${(size.ui / size.baseline).toFixed(2)}× react-dom alone (${size.baseline.toFixed(1)} KB); target ≤ ${TARGET_GZIP_KB} KB: ${size.ui <= TARGET_GZIP_KB ? 'met' : 'MISSED'}`,
);
const empty = (await firstRender(0)).first;
const full = await firstRender(KEYS);
console.log(
  `Keys screen first render, ${KEYS} keys: ${full.first.toFixed(0)} ms = ${(full.first / empty).toFixed(2)}× the empty vault (${empty.toFixed(0)} ms), median of ${ROUNDS}; target ≤ ${TARGET_RENDER_MS} ms: ${full.first <= TARGET_RENDER_MS ? 'met' : 'MISSED'}`,
);
console.log(
  `  all ${KEYS} rows in the table: ${full.all.toFixed(0)} ms = ${(full.all / empty).toFixed(2)}× the empty vault`,
);
