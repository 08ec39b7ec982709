/**
 * Redirect-server benchmark (`npm run bench`): clicks per second and p99 latency of `keycast serve`
 * for RS256, ES256 and HS256 links at 10 and 100 connections, on SQLite and on PostgreSQL, as
 * ratios to a baseline measured in the same run — a minimal node:http server that signs the same
 * claims with raw node:crypto and answers 302, the limit for this design. The load comes from
 * autocannon in a worker thread.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import type { Algorithm } from '../shared/algorithms.ts';
import { generateKeyMaterial } from '../main/core/keys/generate.ts';
import { openLinkStore } from '../main/core/links/openLinkStore.ts';
import { startServer } from '../main/core/links/server.ts';
import { LinkService } from '../main/core/links/service.ts';
import type { LinkStore } from '../main/core/links/types.ts';
import { saveTemplate } from '../main/core/providers/custom.ts';
import { Vault } from '../main/core/vault/vault.ts';
import { tempHome } from '../test/helpers/cli.ts';
import { TestPostgres, postgresMissing } from '../test/helpers/postgres.ts';

const ALGS = ['RS256', 'ES256', 'HS256'] as const satisfies readonly Algorithm[];
const CONNECTIONS = [10, 100] as const;
const SECONDS = Number(process.env.KEYCAST_BENCH_SECONDS ?? 4);
export const TARGET_RATIO = 0.8;
export const TARGET_P99_MS = 10;

interface Run {
  label: string;
  perSecond: number;
  p99: number;
  errors: number;
}

async function load(url: string, connections: number): Promise<Omit<Run, 'label'>> {
  const result = await autocannon({ url, connections, duration: SECONDS, workers: 1 });
  const wrong = result.non2xx - result['3xx'] + result.errors + result.timeouts;
  return { perSecond: result.requests.average, p99: result.latency.p99, errors: wrong };
}

/** The baseline: the same claims signed with raw node:crypto, answered with a 302. */
async function baseline(alg: (typeof ALGS)[number]): Promise<Server> {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: 'bench' })).toString(
    'base64url',
  );
  let key: KeyObject | Buffer;
  if (alg === 'HS256') key = Buffer.alloc(32, 7);
  else if (alg === 'RS256') key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  else key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const signed = (input: string): Promise<string> =>
    alg === 'HS256'
      ? Promise.resolve(
          createHmac('sha256', key as Buffer)
            .update(input)
            .digest('base64url'),
        )
      : new Promise((resolve, reject) =>
          sign(
            'sha256',
            Buffer.from(input),
            alg === 'ES256' ? { key: key as KeyObject, dsaEncoding: 'ieee-p1363' } : key,
            (error, signature) =>
              error ? reject(error) : resolve(signature.toString('base64url')),
          ),
        );
  const server = createServer((_req, res) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'attendee', name: 'Ann', iat: now, exp: now + 300, jti: randomUUID() };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    void signed(input).then((signature) => {
      res.writeHead(302, { location: `https://event.example/join?token=${input}.${signature}` });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** One link per algorithm in a vault, served by Keycast's own server over the given store. */
async function keycast(
  store: (vault: Vault) => Promise<LinkStore>,
): Promise<{ urls: Record<string, string>; close: () => Promise<void> }> {
  const vault = new Vault({ dataDir: tempHome() });
  vault.database.preferThroughput(); // as keycast serve and the app's server do
  const links = new LinkService(vault, await store(vault), { publicUrl: 'http://127.0.0.1' });
  const urls: Record<string, string> = {};
  for (const alg of ALGS) {
    await vault.add(await generateKeyMaterial(alg), { name: alg });
    const name = alg.toLowerCase();
    saveTemplate(vault, {
      name,
      alg,
      claims: { sub: 'attendee', name: 'Ann' },
      ttl: { default: 300, max: 300 },
      link: 'https://event.example/join?token={token}',
    });
    urls[alg] = (await links.create({ provider: 'custom', kind: name, key: alg, params: {} })).url;
  }
  // The per-client limit would answer 429 to one load generator: it is measured apart, in the tests.
  const server = await startServer({
    service: links,
    listen: { host: '127.0.0.1', port: 0 },
    rateLimit: { perSecond: 1e9, burst: 1e9 },
  });
  for (const alg of ALGS) urls[alg] = `${server.address}/l/${urls[alg]!.slice(-32)}`;
  return {
    urls,
    close: async () => {
      await server.close();
      for (const l of await links.store.list()) await links.store.remove(l.id);
      await links.store.close();
      for (const r of vault.list()) await vault.remove(r.id);
    },
  };
}

async function main(): Promise<void> {
  console.log(
    `Redirect server: clicks/s and p99 (autocannon, ${SECONDS} s per run, 1 worker), vs raw node:crypto + node:http in the same run\n`,
  );
  const baselines: Record<string, Record<number, Omit<Run, 'label'>>> = {};
  for (const alg of ALGS) {
    const server = await baseline(alg);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    baselines[alg] = {};
    for (const c of CONNECTIONS) baselines[alg][c] = await load(url, c);
    await new Promise((resolve) => server.close(resolve));
  }
  const stores: [string, (vault: Vault) => Promise<LinkStore>][] = [
    ['SQLite', (vault) => openLinkStore(vault, '')],
  ];
  let postgres: TestPostgres | null = null;
  const missing = postgresMissing();
  if (missing) console.log(`PostgreSQL rows skipped: ${missing}`);
  else {
    postgres = await TestPostgres.start();
    const url = await postgres.createDatabase('bench');
    stores.push(['PostgreSQL', (vault) => openLinkStore(vault, url)]);
  }
  const checks: [string, boolean][] = [];
  console.log(
    'store       alg    conns   keycast/s  baseline/s  ratio   p99 ms  baseline p99  errors',
  );
  try {
    for (const [storeName, store] of stores) {
      const served = await keycast(store);
      for (const alg of ALGS) {
        for (const c of CONNECTIONS) {
          const run = await load(served.urls[alg]!, c);
          const base = baselines[alg]![c]!;
          const ratio = run.perSecond / base.perSecond;
          console.log(
            `${storeName.padEnd(11)} ${alg}  ${String(c).padStart(5)}  ${run.perSecond.toFixed(0).padStart(10)}  ${base.perSecond.toFixed(0).padStart(10)}  ${ratio.toFixed(2)}×  ${run.p99.toFixed(1).padStart(7)}  ${base.p99.toFixed(1).padStart(12)}  ${run.errors}`,
          );
          if (storeName === 'SQLite' && c === 10) {
            checks.push([
              `${alg} at 10 connections (SQLite) ≥ ${TARGET_RATIO}× the baseline`,
              ratio >= TARGET_RATIO,
            ]);
            checks.push([
              `${alg} at 10 connections (SQLite) p99 ≤ ${TARGET_P99_MS} ms`,
              run.p99 <= TARGET_P99_MS,
            ]);
          }
          checks.push([
            `${storeName} ${alg} ${c} connections: every answer a redirect`,
            run.errors === 0,
          ]);
        }
      }
      await served.close();
    }
  } finally {
    await postgres?.stop();
  }
  console.log('\nTargets');
  for (const [label, met] of checks) console.log(`  ${met ? 'met   ' : 'MISSED'} ${label}`);
}

await main();
