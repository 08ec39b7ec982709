import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import { PRIVATE_MEMBERS, memberNames } from '../helpers/keys.ts';

const json = <T = Record<string, unknown>>(result: CliResult): T => JSON.parse(result.stdout) as T;

function expectCleanError(result: CliResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('keycast CLI: the README walk-through', () => {
  it('generates, exports, mints, inspects, survives a restart, and keeps private bytes off disk', async () => {
    const home = tempHome();
    const generated = await runCli(
      ['keys', 'generate', '--alg', 'RS256', '--name', 'demo', '--json'],
      { home },
    );
    expect(generated.code).toBe(0);
    const key = json(generated);
    expect(Object.keys(key).sort()).toEqual([
      'alg',
      'createdAt',
      'expiresAt',
      'id',
      'kid',
      'name',
      'publicJwk',
    ]);
    expect(key).toMatchObject({ name: 'demo', alg: 'RS256', expiresAt: null });

    const exported = await runCli(['keys', 'export', 'demo', '--format', 'jwk'], { home });
    const jwk = json(exported);
    expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, e: 'AQAB' });

    const minted = await runCli(['token', 'mint', 'demo', '--ttl', '15m', '--json'], { home });
    expect(minted.code).toBe(0);
    const token = json<{
      token: string;
      header: object;
      claims: { iat: number; exp: number; jti: string };
      expiresAt: string;
    }>(minted);
    expect(Object.keys(token).sort()).toEqual(['claims', 'expiresAt', 'header', 'token']);
    expect(token.claims.exp - token.claims.iat).toBe(900);
    expect(token.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    // An independent verifier accepts it with the exported JWK.
    const publicKey = createPublicKey({
      key: jwk,
      format: 'jwk',
    });
    expect(jwt.verify(token.token, publicKey, { algorithms: ['RS256'] })).toMatchObject({
      jti: token.claims.jti,
    });

    const valid = await runCli(['token', 'inspect', token.token, '--key', 'demo', '--json'], {
      home,
    });
    expect(valid.code).toBe(0);
    const inspection = json(valid);
    expect(Object.keys(inspection)).toEqual(
      expect.arrayContaining(['valid', 'verified', 'header', 'claims', 'errors']),
    );
    expect(inspection).toMatchObject({ valid: true, verified: true, errors: [] });

    const signature = token.token.split('.')[2]!;
    const changed = signature[10] === 'A' ? 'B' : 'A';
    const tampered = `${token.token.slice(0, token.token.length - signature.length + 10)}${changed}${signature.slice(11)}`;
    const invalid = await runCli(['token', 'inspect', tampered, '--key', 'demo'], { home });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^INVALID/);
    expect(invalid.stdout).toMatch(/signature does not match/);

    // A new process sees the same key.
    const listed = await runCli(['keys', 'list', '--json'], { home });
    expect(json<{ id: string; health: string }[]>(listed)).toEqual([
      expect.objectContaining({ id: key.id, health: 'active' }),
    ]);

    // No private member of the key is anywhere in the data folder (the database and its snapshot):
    // every JSON value stored in it carries public members only.
    for (const file of readdirSync(home).filter((f) => f.startsWith('keycast.db'))) {
      const text = readFileSync(join(home, file), 'latin1');
      expect(text).not.toMatch(/PRIVATE KEY/);
      for (const stored of text.match(/\{"kty"[^}]*\}/g) ?? []) {
        expect(
          memberNames(JSON.parse(stored)).filter((m) =>
            (PRIVATE_MEMBERS as readonly string[]).includes(m),
          ),
        ).toEqual([]);
      }
    }
  });
});

describe('keycast CLI: input and output', () => {
  it('imports a PEM from standard input and never prints its private members', async () => {
    const home = tempHome();
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const d = privateKey.export({ format: 'jwk' }).d!;
    const imported = await runCli(['keys', 'import', '-', '--name', 'cam', '--json'], {
      home,
      input: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    });
    expect(imported.code).toBe(0);
    expect(json(imported)).toMatchObject({ name: 'cam', alg: 'ES256' });
    const outputs = [imported];
    for (const args of [
      ['keys', 'list'],
      ['keys', 'list', '--json'],
      ['keys', 'show', 'cam', '--json'],
      ['keys', 'show', 'cam'],
      ['keys', 'export', 'cam', '--format', 'jwks'],
      ['keys', 'export', 'cam', '--format', 'pem'],
      ['token', 'mint', 'cam', '--json'],
    ]) {
      const result = await runCli(args, { home });
      expect(result.code).toBe(0);
      outputs.push(result);
    }
    for (const result of outputs) {
      expect(result.stdout + result.stderr).not.toContain(d);
      expect(result.stdout + result.stderr).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('imports an Ant Media style text secret from a file and refuses a short one', async () => {
    const home = tempHome();
    const file = join(home, 'secret.txt');
    writeFileSync(file, 'this-is-the-ams-secret-of-32-chars\n');
    const ok = await runCli(['keys', 'import', file, '--alg', 'HS256', '--name', 'ams', '--json'], {
      home,
    });
    expect(ok.code).toBe(0);
    const token = json<{ token: string }>(
      await runCli(
        ['token', 'mint', 'ams', '--claim', 'streamId=cam1', '--claim', 'type=publish', '--json'],
        { home },
      ),
    ).token;
    expect(
      jwt.verify(token, 'this-is-the-ams-secret-of-32-chars', { algorithms: ['HS256'] }),
    ).toMatchObject({ streamId: 'cam1', type: 'publish' });

    writeFileSync(file, 'too-short');
    expectCleanError(
      await runCli(['keys', 'import', file, '--alg', 'HS256'], { home }),
      2,
      /9 bytes; HS256 needs at least 32/,
    );
  });

  it('mints with claims from JSON, typed claims, audience, issuer and no jti', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'EdDSA', '--name', 'ed'], { home });
    const minted = await runCli(
      [
        'token',
        'mint',
        'ed',
        '--claims-json',
        '-',
        '--claim',
        'n:=5',
        '--claim',
        'flag:=true',
        '--aud',
        'chat',
        '--iss',
        'keycast',
        '--sub',
        'u1',
        '--no-jti',
        '--exp',
        '4102444800',
        '--json',
      ],
      { home, input: '{"role": "host", "n": 1}' },
    );
    expect(minted.code).toBe(0);
    const { claims } = json<{ claims: Record<string, unknown> }>(minted);
    expect(claims).toMatchObject({
      role: 'host',
      n: 5,
      flag: true,
      aud: 'chat',
      iss: 'keycast',
      sub: 'u1',
      exp: 4102444800,
    });
    expect(claims).not.toHaveProperty('jti');
  });

  it('inspects from standard input and verifies against a JWKS file', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES384', '--name', 'a'], { home });
    await runCli(['keys', 'generate', '--alg', 'PS256', '--name', 'b'], { home });
    const jwksFile = join(home, 'jwks.json');
    const exported = await runCli(
      ['keys', 'export', 'a', 'b', '--format', 'jwks', '--out', jwksFile],
      { home },
    );
    expect(exported.code).toBe(0);
    const token = (await runCli(['token', 'mint', 'b', '--aud', 'viewers'], { home })).stdout;
    const viaJwks = await runCli(
      ['token', 'inspect', '-', '--jwks', jwksFile, '--aud', 'viewers', '--json'],
      { home, input: token },
    );
    expect(json(viaJwks)).toMatchObject({ valid: true, verified: true });
    const wrongAud = await runCli(['token', 'inspect', '-', '--jwks', jwksFile, '--aud', 'hosts'], {
      home,
      input: token,
    });
    expect(wrongAud.code).toBe(1);
    expect(wrongAud.stdout).toMatch(/audience "viewers", not "hosts"/);
    const unverified = await runCli(['token', 'inspect', token.trim()], { home });
    expect(unverified.code).toBe(0);
    expect(unverified.stdout).toMatch(/^UNVERIFIED/);
    expect(unverified.stdout).toMatch(/Claims \(unverified\)/);
  });

  it('asks before deleting, and deletes with --yes', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'HS384', '--name', 'temp'], { home });
    expectCleanError(
      await runCli(['keys', 'delete', 'temp'], { home }),
      2,
      /not deleted: confirm on a terminal, or pass --yes/,
    );
    expect(json<unknown[]>(await runCli(['keys', 'list', '--json'], { home }))).toHaveLength(1);
    expect((await runCli(['keys', 'delete', 'temp', '--yes'], { home })).code).toBe(0);
    expect(json<unknown[]>(await runCli(['keys', 'list', '--json'], { home }))).toHaveLength(0);
  });

  it('refuses to sign with an expired key, but still verifies its tokens', async () => {
    const home = tempHome();
    const key = json<{ id: string }>(
      await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'old', '--json'], { home }),
    );
    const earlier = (await runCli(['token', 'mint', 'old'], { home })).stdout.trim();
    const db = new DatabaseSync(join(home, 'keycast.db'));
    db.prepare('UPDATE keys SET expires_at = ? WHERE id = ?').run(
      '2020-01-01T00:00:00.000Z',
      key.id,
    );
    db.close();
    expectCleanError(await runCli(['token', 'mint', 'old'], { home }), 2, /expired on 2020-01-01/);
    const inspected = await runCli(['token', 'inspect', earlier, '--key', 'old', '--json'], {
      home,
    });
    expect(json(inspected)).toMatchObject({ valid: true, verified: true });
  });
});

describe('keycast CLI: exit codes', () => {
  it('exits 0 with help', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/keys/);
    expect(help.stdout).toMatch(/token/);
  });

  it.each([
    [['keys', 'generate'], /required option '--alg <ALG>'/],
    [['keys', 'generate', '--alg', 'none'], /Allowed choices are RS256/],
    [
      ['keys', 'generate', '--alg', 'RS256', '--bits', '1024'],
      /Allowed choices are 2048, 3072, 4096/,
    ],
    [['keys', 'generate', '--alg', 'ES256', '--bits', '2048'], /only applies to RSA/],
    [['keys', 'generate', '--alg', 'HS256', '--expires', 'yesterday'], /not an expiry/],
    [['keys', 'show', 'missing'], /No key "missing"/],
    [['keys', 'import', '/nonexistent/key.pem'], /does not exist/],
    [['token', 'mint', 'x', '--ttl', '1m', '--exp', '5'], /cannot be used with option '--exp/],
    [['token', 'inspect', 'x', '--key', 'a', '--jwks', 'b'], /cannot be used with option '--jwks/],
    [['keys', 'frobnicate'], /unknown command|too many arguments/],
  ])('exits 2 for bad usage: %j', async (args, message) => {
    expectCleanError(await runCli(args, { home: tempHome() }), 2, message);
  });

  it('exits 2 for a bad TTL before touching the keychain', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'k'], { home });
    expectCleanError(
      await runCli(['token', 'mint', 'k', '--ttl', '15 minutes'], { home }),
      2,
      /not a duration/,
    );
  });

  it('exits 1 for a malformed token', async () => {
    const result = await runCli(['token', 'inspect', 'not-a-token']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/three parts/);
  });

  it('exits 3 with the cause and the fix when there is no keychain, and records nothing', async () => {
    const home = tempHome();
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keycast-test-bus' };
    const result = await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'nokeychain'], {
      home,
      env,
    });
    expectCleanError(
      result,
      3,
      /^keycast: The system keychain is not available \(.+\): on Linux start and unlock a Secret Service such as gnome-keyring.*never stores keys anywhere weaker\.\n$/s,
    );
    const db = new DatabaseSync(join(home, 'keycast.db'), { readOnly: true });
    expect(db.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('secrets never travel through argv', () => {
  it('has no option that takes a secret value', async () => {
    const help = (await runCli(['keys', 'import', '--help'])).stdout;
    expect(help).toMatch(/<file>/);
    expect(help).not.toMatch(/--secret <|--key-data|--password/);
    // The import reads file contents; a secret given as the "file" argument is not taken as a secret.
    const result = await runCli(
      ['keys', 'import', 'this-is-the-ams-secret-of-32-chars', '--alg', 'HS256'],
      { home: tempHome() },
    );
    expectCleanError(result, 2, /Cannot read the key from/);
  });
});
