import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, InputError, type KeycastError } from '../../main/core/errors.ts';
import { ProviderApiError } from '../../main/core/net/http.ts';
import { KinescopeClient } from '../../main/core/providers/kinescope.ts';
import { NativeFrameClient } from '../../main/core/providers/nativeframe.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { KinescopeContract, NativeFrameContract } from '../helpers/contractServers.ts';

/**
 * Provider APIs that misbehave: answers too big to hold, bodies that never finish, JSON of the
 * wrong shape, addresses that are not URLs. Each ends in one sentence and the right exit code.
 */
const KINESCOPE_TOKEN = '3f0c6a52-8a1e-4c7b-9d51-2b7e0a9c4d11';
const NF_SERVICE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2VydmljZS1zaWduYXR1cmU';
const MiB = 1024 * 1024;

const failure = (promise: Promise<unknown>): Promise<KeycastError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as KeycastError,
  );

/** One sentence, no newline, no stack, and the exit code a script can switch on. */
function expectSentence(error: KeycastError, message: RegExp, exitCode: number): void {
  expect(error).toBeInstanceOf(ProviderApiError);
  expect(error.message).toMatch(message);
  expect(error.message).not.toMatch(/\n|TypeError|undefined/);
  expect(EXIT_CODES[error.kind]).toBe(exitCode);
}

describe('hostile answers from the Kinescope API', () => {
  let server: KinescopeContract;
  beforeAll(async () => {
    server = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.floodBytesSent = 0;
  });
  const client = (timeoutMs = 2000) =>
    new KinescopeClient(KINESCOPE_TOKEN, { baseUrl: server.baseUrl, timeoutMs });

  it.each([
    ['a 200 MB body', { bytes: 200 * MiB }],
    ['a 200 MB body that declares its length', { bytes: 200 * MiB, declareLength: true }],
    ['an endless body', { bytes: Infinity }],
  ])('stops reading %s at 1 MiB, asks only once, and says so', async (_name, fault) => {
    server.fail(fault);
    const error = await failure(client().listKeys());
    expectSentence(error, /^Kinescope answered with more than 1 MiB.*check the API address\.$/, 3);
    // What the server got out before Keycast hung up: the cap plus socket buffers, not 200 MB.
    expect(server.floodBytesSent).toBeLessThan(16 * MiB);
    expect(server.requests).toHaveLength(1);
  });

  it('turns a body that drips past the time-out into "did not answer within N s" (exit 3)', async () => {
    server.fail({ dripMs: 20 }, 3);
    const started = Date.now();
    const error = await failure(client(300).listKeys());
    expectSentence(error, /^Kinescope did not answer within 0\.3 s: check your connection/, 3);
    expect(error.kind).toBe('environment');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['{"id":1,"kid":{}}', 'getKey', /does not understand: id: expected string, received number\.$/],
    [
      '{"data":{"id":"x","kid":{},"kty":"RSA"}}',
      'getKey',
      /: kid: expected string, received object/,
    ],
    [
      '{"data":"abc"}',
      'listKeys',
      /does not understand: the answer: expected array, received string/,
    ],
    ['[{"id":"x"}]', 'listKeys', /does not understand: 0\.kid is missing\.$/],
    ['{"data":[1]}', 'listKeys', /does not understand: 0: expected object, received number/],
    ['"just text"', 'getKey', /does not understand: the answer: expected object, received string/],
    ['<html>', 'listKeys', /answered with something that is not JSON\.$/],
  ])('refuses %s in one sentence naming what does not fit', async (body, call, message) => {
    server.fail({ status: 200, body });
    const c = client();
    const error = await failure(call === 'getKey' ? c.getKey('x') : c.listKeys());
    expectSentence(error, message, 3);
    expect(error.message).toMatch(/^Kinescope answered /);
    expect(server.requests).toHaveLength(1); // an answer not understood is not asked again
  });

  it('reads the documented answers, bare or enveloped, keeping members it does not know', async () => {
    server.fail({
      status: 200,
      body: '{"data":{"id":"k1","kid":"a","kty":"RSA","expires_at":null,"future":{"x":1}}}',
    });
    expect(await client().getKey('k1')).toMatchObject({ id: 'k1', kid: 'a', future: { x: 1 } });
    server.fail({ status: 200, body: '{"data":null}' });
    expect(await client().listKeys()).toEqual([]);
  });

  it('refuses an API address that is not a URL in one sentence (exit 2)', () => {
    for (const baseUrl of ['::', 'not a url', '']) {
      let error: unknown;
      try {
        new KinescopeClient(KINESCOPE_TOKEN, { baseUrl });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        `The Kinescope API address ${JSON.stringify(baseUrl)} is not a URL: give one like https://api.example.com.`,
      );
    }
  });
});

describe('hostile answers from the Native Frame API', () => {
  let server: NativeFrameContract;
  beforeAll(async () => {
    server = await new NativeFrameContract(NF_SERVICE_JWT).start();
  });
  afterAll(() => server.stop());
  const api = () => new NativeFrameClient(NF_SERVICE_JWT, { baseUrl: server.baseUrl });

  it.each([
    ['{"token":5}', /Native Frame answered something .*: token: expected string, received number/],
    ['{"token":"not-a-jwt"}', /: token: is not a compact JWT\./],
    ['{}', /does not understand: token is missing\.$/],
  ])('refuses a token answer %s', async (body, message) => {
    server.fail({ status: 201, body });
    expectSentence(await failure(api().serviceToken({ kid: 'k', roles: [] })), message, 3);
  });

  it('refuses an issuer answer without a list of keys', async () => {
    server.fail({ status: 200, body: '{"keys":"all of them"}' });
    const error = await failure(
      api().putIssuer('i', { iss: 'i', project: { id: 'p' }, aud: [], roles: [], keys: [] }),
    );
    expectSentence(error, /does not understand: keys: expected array, received string/, 3);
  });
});

describe('keycast CLI against hostile APIs', () => {
  let server: KinescopeContract;
  beforeAll(async () => {
    server = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(() => server.stop());

  it('exits 2 for an --api-url that is not a URL and 3 for answers it cannot use', async () => {
    const home = tempHome();
    expect(
      (await runCli(['credentials', 'set', 'kinescope'], { home, input: KINESCOPE_TOKEN })).code,
    ).toBe(0);
    expect(
      (await runCli(['credentials', 'set', 'nativeframe'], { home, input: NF_SERVICE_JWT })).code,
    ).toBe(0);
    try {
      const notUrl = await runCli(['upload', 'kinescope', '--list', '--api-url', '::'], { home });
      expect(notUrl.code).toBe(2);
      expect(notUrl.stderr).toBe(
        'keycast: The Kinescope API address "::" is not a URL: give one like https://api.example.com.\n',
      );
      const mint = await runCli(
        ['mint', 'nativeframe', 'service', '--nf-kid', 'k', '--api-url', '::'],
        { home },
      );
      expect(mint.code).toBe(2);
      expect(mint.stderr).toMatch(/^keycast: The Native Frame API address "::" is not a URL/);

      server.fail({ status: 200, body: '{"data":"abc"}' });
      const odd = await runCli(['upload', 'kinescope', '--list', '--api-url', server.baseUrl], {
        home,
      });
      expect(odd.code).toBe(3);
      expect(odd.stderr).toBe(
        'keycast: Kinescope answered something Keycast does not understand: the answer: expected array, received string.\n',
      );

      server.fail({ bytes: 200 * MiB });
      const flood = await runCli(['upload', 'kinescope', '--list', '--api-url', server.baseUrl], {
        home,
      });
      expect(flood.code).toBe(3);
      expect(flood.stderr).toMatch(/^keycast: Kinescope answered with more than 1 MiB/);
    } finally {
      await runCli(['credentials', 'delete', 'kinescope'], { home });
      await runCli(['credentials', 'delete', 'nativeframe'], { home });
    }
  });
});
