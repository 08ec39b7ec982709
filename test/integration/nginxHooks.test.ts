import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import type { HookDecision } from '../../main/core/links/types.ts';
import { providerById } from '../../main/core/providers/index.ts';
import { mintForProvider } from '../../main/core/providers/mint.ts';
import { DATABASE_FILE } from '../../main/core/store/database.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import {
  liveStreams,
  nginxRtmpMissing,
  playWithFfmpeg,
  publishWithFfmpeg,
  startNginxRtmp,
  type NginxRtmp,
} from '../helpers/nginxRtmp.ts';
import { sleep, spawnServe, type ServeProcess } from '../helpers/serverHarness.ts';
import { testKey } from '../helpers/signers.ts';

/**
 * The whole path with the real programs: ffmpeg publishes (as OBS does) to nginx with the RTMP
 * module, whose on_publish and on_play ask `keycast serve --hooks` (the CLI, spawned) to verify the
 * Ant Media stream token in the stream key. Only the right token for the right stream gets in.
 */

const missing = nginxRtmpMissing();
if (missing) console.warn(`nginx-rtmp hook tests skipped: ${missing}`);

let home: string;
let vault: Vault;
let otherVault: Vault;
let ams: KeyRecord;
let serve: ServeProcess;
let nginx: NginxRtmp;
const tokens: string[] = [];

beforeAll(async () => {
  if (missing) return;
  home = tempHome();
  vault = new Vault({ dataDir: home });
  ams = await vault.add(await generateKeyMaterial('HS256'), { name: 'ams' });
  await vault.add(await generateKeyMaterial('ES256'), { name: 'mtx' });
  otherVault = new Vault({ dataDir: tempHome() });
  await otherVault.add(await generateKeyMaterial('HS256'), { name: 'ams' });
  serve = await spawnServe(home, ['--hooks']);
  nginx = await startNginxRtmp({
    verifyUrl: `http://127.0.0.1:${serve.port}/hooks/nginx-rtmp`,
  });
});

afterAll(async () => {
  await nginx?.stop();
  await serve?.stop();
  await vault?.close();
  await otherVault?.close();
});

async function mint(
  kind: 'publish' | 'play',
  stream: string,
  options: { now?: number; ttl?: number; from?: Vault } = {},
): Promise<string> {
  const from = options.from ?? vault;
  const { token } = await mintForProvider(providerById('antmedia', from), from, {
    kind,
    key: 'ams',
    params: { stream, host: '127.0.0.1' },
    now: options.now,
    ttlSeconds: options.ttl,
  });
  tokens.push(token);
  return token;
}

const url = (stream: string, token: string) =>
  `${nginx.rtmpUrl}/${stream}?token=${encodeURIComponent(token)}`;

async function waitUntilLive(stream: string, limitMs = 8000): Promise<string[]> {
  for (const deadline = Date.now() + limitMs; Date.now() < deadline; await sleep(100)) {
    const live = await liveStreams(nginx.statUrl);
    if (live.includes(stream)) return live;
  }
  return liveStreams(nginx.statUrl);
}

describe.skipIf(missing !== null)('nginx-rtmp asks keycast serve (real nginx, ffmpeg, CLI)', () => {
  it('lets in only the right token for the right stream, and records why each was refused', async () => {
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    // The header names the vault's key; the signature is made with another secret. Ant Media's
    // shape (no iat, no jti): nginx-rtmp cuts a stream key's arguments at 255 bytes
    // (NGX_RTMP_MAX_ARGS in ngx_rtmp_cmd_module.h), and a longer token would arrive cut.
    const impostor = await testKey('HS256', ams.kid);
    const forged = (
      await mintToken(impostor.signer, {
        claims: { streamId: 'forged', type: 'publish' },
        iat: false,
        jti: false,
      })
    ).token;
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${part({ alg: 'none', typ: 'JWT', kid: ams.kid })}.${part({ streamId: 'unsigned', type: 'publish', exp: hourAgo + 7200 })}.`;
    tokens.push(forged, none);
    const refused: [string, string, string][] = [
      ['asplay', await mint('play', 'asplay'), 'wrong-type'],
      ['expired', await mint('publish', 'expired', { now: hourAgo, ttl: 60 }), 'expired'],
      ['elsewhere', await mint('publish', 'somewhere-else'), 'wrong-stream'],
      ['otherkey', await mint('publish', 'otherkey', { from: otherVault }), 'unknown-kid'],
      ['forged', forged, 'bad-signature'],
      ['unsigned', none, 'unsigned'],
    ];

    const good = await mint('publish', 'good');
    // Long enough that the players below still find it live on a busy machine.
    const publishing = publishWithFfmpeg(url('good', good), 8);
    // The refused ones run meanwhile: each ends at once with a non-zero exit.
    const refusedCodes = Promise.all(
      refused.map(([stream, token]) => publishWithFfmpeg(url(stream, token), 1)),
    );
    expect(await waitUntilLive('good')).toEqual(['good']);
    // on_play: a play token plays the live stream; a publish token may not play it.
    const [played, playedWithPublish] = await Promise.all([
      playWithFfmpeg(url('good', await mint('play', 'good')), 1),
      playWithFfmpeg(url('good', good), 1),
    ]);
    expect(played).toBe(0);
    expect(playedWithPublish).not.toBe(0);
    for (const code of await refusedCodes) expect(code).not.toBe(0);
    expect(await publishing).toBe(0);

    const listed = await runCli(['redirects', 'decisions', '--json', '--limit', '100'], { home });
    expect(listed.code).toBe(0);
    const decisions = JSON.parse(listed.stdout) as HookDecision[];
    const reasonOf = (stream: string, action: string) =>
      decisions.filter((d) => d.stream === stream && d.action === action).map((d) => d.reason);
    expect(reasonOf('good', 'publish')).toEqual(['allowed']);
    expect(reasonOf('good', 'play').sort()).toEqual(['allowed', 'wrong-type']);
    for (const [stream, , reason] of refused) expect(reasonOf(stream, 'publish')).toEqual([reason]);
    for (const d of decisions) {
      expect(d).toMatchObject({ hook: 'nginx-rtmp', app: 'LiveApp', caller: '127.0.0.1' });
    }
    const allowed = decisions.find((d) => d.stream === 'good' && d.action === 'publish')!;
    expect(allowed.kid).toBe(ams.kid);

    const table = await runCli(['redirects', 'decisions'], { home });
    expect(table.stdout).toMatch(/nginx-rtmp\s+publish\s+LiveApp\/good\s+allowed/);

    // No token anywhere Keycast writes: its database and its log.
    const stored = [DATABASE_FILE, `${DATABASE_FILE}-wal`]
      .map((name) => join(home, name))
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('\n');
    const logged = serve.output() + listed.stdout + table.stdout;
    expect(logged).toMatch(/POST \/hooks\/nginx-rtmp 200 nginx-rtmp publish allowed/);
    expect(logged).toMatch(/POST \/hooks\/nginx-rtmp 403 nginx-rtmp publish refused: expired/);
    for (const token of tokens) {
      const secretPart = token.split('.')[2] || token.split('.')[1]!;
      expect(stored.includes(secretPart)).toBe(false);
      expect(logged.includes(secretPart)).toBe(false);
    }
  });
});
