import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempHome, type CliResult } from '../helpers/cli.ts';

const posix = process.platform !== 'win32';
const ESC = '\u001b';
const OSC_52 = `${ESC}]52;c;cm0gLXJmIH4K\u0007`; // "put `rm -rf ~` on the clipboard"

/** One sentence on stderr (no stack, no "unexpected error") and the exit code the kind promises. */
function expectRefusal(result: CliResult, code: number, sentence: RegExp): void {
  expect(result.stderr.trimEnd()).toMatch(sentence);
  expect(result.code).toBe(code);
  expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

/** An unsigned-by-anyone token with the given header and claims (inspect decodes it). */
function tokenOf(header: object, claims: object | string): string {
  const part = (value: object | string): string =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.c2lnbmF0dXJl`;
}

/** Runs the CLI with standard input fed from an endless stream, like `keycast … - < /dev/zero`. */
function runWithEndlessInput(args: readonly string[], home: string): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'keycast.js'), ...args], {
      env: { ...process.env, KEYCAST_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let open = true;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (open && child.stdin.write(chunk));
    };
    child.stdin.on('drain', pump);
    child.stdin.on('error', () => (open = false)); // EPIPE: the CLI stopped reading, as it should
    child.on('error', reject);
    child.on('close', (code) => {
      open = false;
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    pump();
  });
}

describe('hostile input: files and streams are read bounded', () => {
  it.runIf(posix)('refuses a key file that is a symbolic link to /dev/zero', async () => {
    const home = tempHome();
    const zero = join(home, 'private.key');
    symlinkSync('/dev/zero', zero);
    expectRefusal(
      await runCli(['keys', 'import', zero, '--name', 'z'], { home }),
      2,
      /^keycast: Cannot read the key from .*private\.key: it is a device, not a regular file; give a file, or "-" for standard input\.$/,
    );
  });

  it.runIf(posix)(
    'refuses a FIFO as --claims-json and as a template at once, instead of hanging',
    { timeout: 20_000 },
    async () => {
      const home = tempHome();
      const fifo = join(home, 'claims.json');
      execFileSync('mkfifo', [fifo]);
      const started = Date.now();
      expectRefusal(
        await runCli(['token', 'mint', 'any', '--claims-json', fifo], { home }),
        2,
        /it is a named pipe \(FIFO\), not a regular file/,
      );
      expectRefusal(
        await runCli(['templates', 'add', fifo], { home }),
        2,
        /Cannot read the template from .*: it is a named pipe \(FIFO\)/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    },
  );

  it('refuses a 2 MiB JWKS, naming its size and the limit', async () => {
    const home = tempHome();
    const big = join(home, 'jwks.json');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 0x20));
    expectRefusal(
      await runCli(['token', 'inspect', tokenOf({ alg: 'RS256' }, {}), '--jwks', big], { home }),
      2,
      /Cannot read the JWKS from .*jwks\.json: it is 2 MiB; Keycast reads at most 1 MiB from one file\.$/,
    );
  });

  it('stops reading an endless standard input at 1 MiB', { timeout: 30_000 }, async () => {
    const home = tempHome();
    for (const args of [
      ['token', 'mint', 'any', '--claims-json', '-'],
      ['keys', 'import', '-', '--name', 'endless'],
    ]) {
      expectRefusal(
        await runWithEndlessInput(args, home),
        2,
        /from standard input: it is longer than 1 MiB; Keycast reads at most 1 MiB from standard input\.$/,
      );
    }
  });
});

describe('hostile input: times past what a date can hold', () => {
  it.each([
    ['1e300', 1e300],
    ['9e12', 9e12],
  ])('inspect names an exp of %s as malformed (exit 1)', async (_label, exp) => {
    const token = tokenOf({ alg: 'HS256' }, { exp, sub: 'x' });
    const human = await runCli(['token', 'inspect', token], { home: tempHome() });
    expect(human.code).toBe(1);
    expect(human.stderr).toBe('');
    expect(human.stdout).toContain(
      `✗ The "exp" claim (${String(exp)}) is not a real time: it lies outside the years 0000 to 9999.`,
    );
    const json = await runCli(['token', 'inspect', token, '--json'], { home: tempHome() });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, reasons: ['format'], times: {} });
  });

  it('mint refuses --exp after the year 9999 before asking the keychain', async () => {
    expectRefusal(
      await runCli(['token', 'mint', 'no-such-key', '--exp', '999999999999'], { home: tempHome() }),
      2,
      /^keycast: --exp 999999999999 is after the year 9999: give a Unix time in seconds up to 253402300799\.$/,
    );
  });

  it('refuses a key expiry of 999999999d', async () => {
    expectRefusal(
      await runCli(['keys', 'generate', '--alg', 'ES256', '--expires', '999999999d'], {
        home: tempHome(),
      }),
      2,
      /The expiry 999999999d from now is after the year 9999/,
    );
  });

  it('mint refuses --ttl 999999999d and an exp claim of 1e300 (keychain)', async () => {
    const home = tempHome();
    expect(
      (await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'h'], { home })).code,
    ).toBe(0);
    expectRefusal(
      await runCli(['token', 'mint', 'h', '--ttl', '999999999d'], { home }),
      2,
      /^keycast: The token would expire after the year 9999 \(exp \d+\): give a shorter --ttl or an --exp up to 253402300799\.$/,
    );
    expectRefusal(
      await runCli(['token', 'mint', 'h', '--claim', 'exp:=1e300'], { home }),
      2,
      /The token would expire after the year 9999/,
    );
  });
});

describe('hostile input: deep nesting', () => {
  it('refuses a 13 KB token with claims nested 5,000 deep as malformed, without a crash', async () => {
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const token = tokenOf({ alg: 'HS256' }, deep);
    expect(token.length).toBeGreaterThan(13_000);
    for (const args of [[], ['--json']]) {
      const result = await runCli(['token', 'inspect', token, ...args], { home: tempHome() });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        "The token's payload nests arrays or objects more than 64 levels deep; Keycast reads at most 64.",
      );
      expect(result.stderr).toBe('');
    }
  });

  it('refuses a claims file nested 100,000 deep (exit 2)', async () => {
    const home = tempHome();
    const file = join(home, 'claims.json');
    writeFileSync(file, `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expectRefusal(
      await runCli(['token', 'mint', 'any', '--claims-json', file], { home }),
      2,
      /The claims file nests arrays or objects more than 64 levels deep/,
    );
  });
});

describe('hostile input: keys Keycast cannot keep', () => {
  it('refuses an RSA-PSS key with its own sentence', async () => {
    const home = tempHome();
    const file = join(home, 'pss.pem');
    const { privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expectRefusal(
      await runCli(['keys', 'import', file, '--name', 'pss'], { home }),
      2,
      /This is an RSA-PSS-only key \(OID rsassaPss\)/,
    );
  });

  it('refuses an HMAC secret over 2,560 bytes with its own sentence', async () => {
    const home = tempHome();
    const file = join(home, 'secret.txt');
    writeFileSync(file, 'x'.repeat(3000));
    expectRefusal(
      await runCli(['keys', 'import', file, '--alg', 'HS256', '--name', 'long'], { home }),
      2,
      /This secret is 3000 bytes; Keycast stores secrets of at most 2560 bytes/,
    );
  });

  it('refuses a private JWK whose d, p and q belong to another key', async () => {
    const home = tempHome();
    const file = join(home, 'mixed.jwk');
    const own = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    });
    const { d, p, q, dp, dq, qi } = other;
    writeFileSync(file, JSON.stringify({ ...own, d, p, q, dp, dq, qi }));
    expectRefusal(
      await runCli(['keys', 'import', file, '--name', 'mixed'], { home }),
      2,
      /The private and public parts of this JWK belong to different keys/,
    );
  });
});

describe('hostile input: control characters never reach the terminal raw', () => {
  const claims = { iss: OSC_52, note: '\u202egnp.exe \u009b31m', sub: 'viewer' };
  const token = tokenOf({ alg: 'HS256', kid: `k${ESC}[2J` }, claims);
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('escapes them in inspect output and in error messages', async () => {
    const result = await runCli(['token', 'inspect', token, '--iss', 'me'], { home: tempHome() });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(raw);
    expect(result.stdout).toContain('The token was issued by "\\x1b]52;c;cm0gLXJmIH4K\\x07"');
    expect(result.stdout).toContain('"note": "\\u202egnp.exe \\x9b31m"');

    const refused = await runCli(['token', 'mint', 'any', '--claim', OSC_52], { home: tempHome() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toMatch(raw);
    expect(refused.stderr).toContain('got "\\x1b]52;c;cm0gLXJmIH4K\\x07"');
  });

  it('keeps --json output plain JSON carrying the exact strings', async () => {
    const result = await runCli(['token', 'inspect', token, '--json'], { home: tempHome() });
    const parsed = JSON.parse(result.stdout) as { claims: typeof claims; header: { kid: string } };
    expect(parsed.claims).toEqual(claims);
    expect(parsed.header.kid).toBe(`k${ESC}[2J`);
  });
});
