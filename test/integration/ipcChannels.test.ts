import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, type Action, type RequestOf } from '../../shared/ipc.ts';
import { call, createDispatch, type Dispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { KinescopeContract } from '../helpers/contractServers.ts';
import { PRIVATE_MEMBERS, memberNames } from '../helpers/keys.ts';
import { TestDesktop } from '../helpers/desktop.ts';

const API_TOKEN = '0b6f1f7e-2a64-4f0e-9d37-5b1c2d3e4f50';
const EVENT_URL = 'https://acme.frameable.com/events/launch';
const OBS_PASSWORD = 'obs-websocket-password-5f2a9c';

/** Every way the secret bytes of a key could be spelled in a response. */
function spellings(secret: Uint8Array): string[] {
  const bytes = Buffer.from(secret);
  return [
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('latin1'),
  ].filter((s) => s.length >= 16);
}

describe('every IPC channel, against the real core and keychain', () => {
  let home: string;
  let dispatch: Dispatch;
  let vault: Vault;
  let desktop: TestDesktop;
  let kinescope: KinescopeContract;
  const ids: Record<string, string> = {};
  const secrets: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keycast-ipc-'));
    kinescope = await new KinescopeContract(API_TOKEN).start();
    kinescope.events.set('evt-1', { id: 'evt-1', chat_jwt_required: false });
    vault = new Vault({ dataDir: home, source: 'app' });
    desktop = new TestDesktop();
    const core = createAppCore({
      vault,
      settings: new SettingsStore(vault.settings),
      ports: desktop,
      version: 'test',
      progress: () => undefined,
      apiBases: { kinescope: kinescope.baseUrl },
      links: { chooseAttendeeCsv: () => Promise.resolve(join(home, 'attendees.csv')) },
    });
    dispatch = createDispatch(core.handlers);
    for (const [name, alg, provider] of [
      ['rsa', 'RS256', 'kinescope'],
      ['ec', 'ES256', undefined],
      ['ed', 'EdDSA', undefined],
      ['ams', 'HS256', 'antmedia'],
    ] as const) {
      const { key } = await call(dispatch, 'generateKey', {
        jobId: `gen-${name}`,
        alg,
        name,
        provider,
      });
      ids[name] = key.id;
    }
    const keychain = new OsKeychain();
    for (const record of vault.list()) {
      const secret = await keychain.read(vault.accountOf(record));
      expect(secret).not.toBeNull();
      secrets.push(...spellings(secret!));
    }
  });

  afterAll(async () => {
    await kinescope.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers every action with public material only', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const pemPath = join(home, 'imported.pem');
    writeFileSync(pemPath, pem);
    const importedSecret = 'an-imported-ant-media-secret-0123456789';
    secrets.push(importedSecret, Buffer.from(pem).toString('base64'), OBS_PASSWORD);
    desktop.nextKeyFile = pemPath;
    desktop.nextSavePath = join(home, 'saved.jwk.json');
    const csvPath = join(home, 'attendees.csv');
    writeFileSync(csvPath, 'Name,Email\r\nAnn Lee,ann@example.com\r\n"Lee, Bo",bo@example.com\r\n');
    const attendees = {
      provider: 'frameable',
      kind: 'attendee',
      key: ids.rsa!,
      map: { displayName: 'Name', email: 'Email' },
      params: { eventUrl: EVENT_URL },
      maxUses: 2,
    };
    const token = (
      await call(dispatch, 'mintToken', {
        provider: 'antmedia',
        kind: 'publish',
        key: ids.ams,
        params: { host: 'media.example.com', stream: 's1' },
      })
    ).token;

    // One request per action, in the order a session would make them. The Record type makes the
    // compiler insist on an entry for every action of the contract.
    const requests: { [A in Action]: RequestOf<A> } = {
      appInfo: {},
      listKeys: {},
      // Expiring in 20 days: the status banner's report lists it.
      generateKey: { jobId: 'gen-walk', alg: 'PS256', name: 'walk', expiresInDays: 20 },
      chooseKeyFile: {},
      importKeyFile: { path: pemPath, name: 'imported' },
      importSecret: { secret: importedSecret, encoding: 'text', alg: 'HS256', name: 'pasted' },
      keyDetails: { id: ids.rsa! },
      saveKeyAs: { id: ids.rsa!, format: 'jwk' },
      copyKeySecret: { id: ids.ams! },
      listProviders: {},
      mintToken: {
        provider: 'kinescope',
        kind: 'chat',
        key: ids.rsa,
        params: { event: 'evt-1', userId: 'u1', username: 'Ann' },
      },
      inspectToken: { token, verifyWith: 'vault' },
      setCredential: { name: 'kinescope', secret: API_TOKEN },
      listCredentials: {},
      uploadToKinescope: { jobId: 'up-1', key: ids.rsa! },
      kinescopeKeys: {},
      setKinescopeChatJwt: { eventId: 'evt-1', required: true },
      deleteFromKinescope: { remoteId: '' },
      providerGuide: { provider: 'frameable', key: ids.rsa! },
      getSettings: {},
      saveSettings: { theme: 'dark', defaultTtls: { 'antmedia/publish': 600 } },
      copyText: { text: token, sensitive: true },
      openExternal: { url: 'https://kinescope.io/chat/evt-1' },
      cancelJob: { jobId: 'nothing-running' },
      backupVault: { passphrase: 'a long backup passphrase' },
      restoreVault: { passphrase: 'a long backup passphrase', onConflict: 'skip' },
      deleteCredential: { name: 'kinescope' },
      deleteKey: { id: ids.ec!, evenIfUploaded: false },
      // Redirect links: one created, followed through the app's server, reissued, revoked; a
      // CSV imported all or none and saved with its link column; every id is filled in below.
      linkKinds: {},
      setLinksPublicUrl: { publicUrl: 'https://go.example.com/' },
      createLink: {
        provider: 'frameable',
        kind: 'attendee',
        key: ids.rsa!,
        params: { displayName: 'Ann Lee', eventUrl: EVENT_URL },
        maxUses: 3,
        validUntil: new Date(Date.now() + 86_400_000).toISOString(),
        confirm: false,
        note: 'front row',
      },
      listLinks: {},
      linkServerState: {},
      startLinkServer: { host: '127.0.0.1', port: 0 },
      linkClicks: { limit: 10 },
      stopLinkServer: {},
      reissueLink: { id: '' },
      revokeLink: { id: '' },
      chooseAttendeeCsv: {},
      openAttendeeCsv: { path: csvPath },
      checkAttendeeImport: { jobId: 'check-csv', sheetId: '', ...attendees },
      importAttendees: { jobId: 'import-csv', sheetId: '', ...attendees },
      deleteLink: { id: '' },
      // OBS: the password saved to the keychain never comes back; with no OBS on that port (the
      // real-OBS walk is test/integration/obsHandlers.test.ts) Send to OBS says so in one sentence.
      saveObsConnection: { url: 'ws://127.0.0.1:9', password: OBS_PASSWORD },
      getObsConnection: {},
      testObsConnection: {},
      obsState: {},
      sendToObs: {
        provider: 'antmedia',
        kind: 'publish',
        key: ids.ams!,
        params: { host: 'media.example.com', stream: 's1' },
      },
      saveObsKeepFresh: {
        enabled: false,
        provider: 'antmedia',
        kind: 'publish',
        key: ids.ams!,
        params: { host: 'media.example.com', stream: 's1' },
        marginSeconds: 600,
      },
      obsKeepFreshState: {},
      statusReport: {},
      // The Activity screen: the records of everything above, exported through a save dialog.
      listActivity: { since: '1d', limit: 500 },
      exportActivity: { event: 'token-minted' },
      verifyActivity: {},
      saveActivitySettings: { retentionDays: 90, hashSubjects: true },
      pruneActivity: {},
      // Rotate… : the plan of the Ed25519 key, the rotation with a 1-hour overlap, a resume.
      rotationPlan: { id: ids.ed! },
      startRotation: { jobId: 'rotate-ed', id: ids.ed!, overlapSeconds: 3600 },
      continueRotation: { jobId: 'resume-ed', id: ids.ed!, confirm: false },
    };
    expect(Object.keys(requests).sort()).toEqual([...ACTIONS].sort());

    const answered: string[] = [];
    /** The links' secret ids: in the answers to create, reissue and import only. */
    const linkSecrets: string[] = [];
    const issuing: Action[] = ['createLink', 'reissueLink', 'importAttendees'];
    let linkId = '';
    let sheetId = '';
    let server = '';
    let activity: {
      records: { event: string; source: string; detail: Record<string, unknown> }[];
    } = { records: [] };
    for (const [action, request] of Object.entries(requests) as [Action, unknown][]) {
      if (action === 'deleteFromKinescope') {
        const remote = [...kinescope.keys.keys()][0]!;
        (request as { remoteId: string }).remoteId = remote;
      }
      if (action === 'backupVault') desktop.nextSavePath = join(home, 'walk.kcbackup');
      if (action === 'restoreVault') desktop.nextBackupFile = join(home, 'walk.kcbackup');
      if (action === 'importAttendees') desktop.nextSavePath = join(home, 'links.csv');
      if (action === 'exportActivity') desktop.nextSavePath = join(home, 'activity.csv');
      if (['reissueLink', 'revokeLink', 'deleteLink'].includes(action))
        (request as { id: string }).id = linkId;
      if (action === 'checkAttendeeImport' || action === 'importAttendees')
        (request as { sheetId: string }).sheetId = sheetId;
      if (action === 'linkClicks') {
        // A click through the app's server: the token it carried must not come back in any answer.
        const answer = await fetch(`${server}/l/${linkSecrets[0]!}`, {
          redirect: 'manual',
          headers: { 'user-agent': 'Mozilla/5.0 Chrome/140.0' },
        });
        expect(answer.status).toBe(302);
        const location = new URL(answer.headers.get('location')!);
        expect(`${location.origin}${location.pathname}`).toBe(EVENT_URL);
        secrets.push(location.searchParams.get('token')!);
      }
      const envelope = await dispatch(action, request);
      if (action === 'sendToObs') {
        expect(envelope.ok, JSON.stringify(envelope)).toBe(false);
        expect(!envelope.ok && envelope.error.message).toMatch(/OBS|nothing answers/);
      } else {
        expect(envelope, `${action}: ${JSON.stringify(envelope)}`).toMatchObject({ ok: true });
      }
      const text = JSON.stringify(envelope);
      const leaked = memberNames(envelope).filter((m) =>
        (PRIVATE_MEMBERS as readonly string[]).includes(m),
      );
      expect(leaked, action).toEqual([]);
      for (const secret of secrets)
        expect(text.includes(secret), `${action} leaks a secret`).toBe(false);
      // The activity chain's newest hash is public (it is what an admin notes to compare later).
      const withoutChainHead = text.replace(/"head":\{"id":\d+,"hash":"[0-9a-f]{64}"\}/, '');
      expect(withoutChainHead.includes('"hash"'), `${action} shows a link hash`).toBe(false);
      if (!issuing.includes(action)) {
        for (const secret of linkSecrets)
          expect(text.includes(secret), `${action} shows a link's secret id`).toBe(false);
      }
      const value = (envelope as { value: Record<string, unknown> }).value;
      for (const url of text.match(/https:\/\/go\.example\.com\/l\/[A-Za-z0-9_-]+/g) ?? [])
        linkSecrets.push(url.slice(url.lastIndexOf('/') + 1));
      if (action === 'createLink') linkId = (value.link as { id: string }).id;
      if (action === 'openAttendeeCsv') sheetId = value.sheetId as string;
      if (action === 'startLinkServer') server = value.address as string;
      if (action === 'mintToken') secrets.push((value as { token: string }).token);
      if (action === 'listActivity') activity = value as typeof activity;
      answered.push(action);
    }
    expect(answered).toHaveLength(ACTIONS.length);
    // The actions really did their work.
    expect(desktop.clipboardText).toBe(token);
    expect(desktop.opened).toEqual(['https://kinescope.io/chat/evt-1']);
    expect(JSON.parse(readFileSync(join(home, 'saved.jwk.json'), 'utf8'))).toMatchObject({
      kty: 'RSA',
    });
    expect(kinescope.events.get('evt-1')?.chat_jwt_required).toBe(true);
    expect(await call(dispatch, 'getObsConnection', {})).toEqual({
      url: 'ws://127.0.0.1:9',
      defaultUrl: 'ws://127.0.0.1:4455',
      passwordStored: true,
    });
    expect(await vault.credential('obs')).toBe(OBS_PASSWORD);
    expect(statSync(join(home, 'walk.kcbackup')).mode & 0o777).toBe(0o600);
    // The links: the click was recorded without its token; the CSV came back with a link column.
    expect(linkSecrets).toHaveLength(4); // created, reissued, two imported
    expect(statSync(join(home, 'links.csv')).mode & 0o777).toBe(0o600);
    const written = readFileSync(join(home, 'links.csv'), 'utf8');
    expect(written.split('\n')[0]).toBe('Name,Email,link');
    expect(written).toContain('"Lee, Bo",bo@example.com,https://go.example.com/l/');
    const clicks = await call(dispatch, 'linkClicks', {});
    expect(clicks.clicks[0]).toMatchObject({ outcome: 'redirected', agent: 'Chrome' });
    // The banner's report: the key made to expire in 20 days, by name and date only.
    const report = await call(dispatch, 'statusReport', {});
    expect(report).toMatchObject({ due: true, windowDays: 30 });
    // (and the Ed25519 key rotated at the end of the walk, retiring for an hour)
    expect(report.items.map((i) => [i.kind, i.key?.name]).sort()).toEqual([
      ['key-expiring', 'walk'],
      ['retiring', 'ed (retiring)'],
    ]);
    // The activity: every mint of the walk recorded by the app (the click by the app's server;
    // Send to OBS minted before it found no OBS), exported as CSV (0600), the chain intact, the
    // settings saved; never a token (checked above).
    const minted = activity.records.filter((r) => r.event === 'token-minted');
    expect(minted.map((r) => r.detail.via).sort()).toEqual(['mint', 'mint', 'obs', 'redirect']);
    expect(new Set(activity.records.map((r) => r.source))).toEqual(new Set(['app']));
    expect(statSync(join(home, 'activity.csv')).mode & 0o777).toBe(0o600);
    const exported = readFileSync(join(home, 'activity.csv'), 'utf8').trim().split('\n');
    expect(exported[0]).toMatch(/^id,at,source,event,/);
    expect(exported).toHaveLength(5);
    for (const secret of secrets) expect(exported.join('\n').includes(secret)).toBe(false);
    expect(await call(dispatch, 'verifyActivity', {})).toMatchObject({ intact: true });
    expect((await call(dispatch, 'listActivity', { limit: 1 })).settings).toEqual({
      retentionDays: 90,
      hashSubjects: true,
    });
    const imported = (await call(dispatch, 'listLinks', {})).links;
    expect(imported.map((l) => [l.label, l.status, l.maxUses])).toEqual([
      ['Ann Lee', 'active', 2],
      ['Lee, Bo', 'active', 2],
    ]);
    expect(
      vault
        .list()
        .map((k) => k.name)
        .sort(),
    ).toEqual(['ams', 'ed', 'ed (retiring)', 'imported', 'pasted', 'rsa', 'walk'].sort());
  });

  it('copies a printable shared secret only through main, and refuses a key pair', async () => {
    const envelope = await dispatch('copyKeySecret', { id: ids.ams! });
    expect(envelope).toMatchObject({ ok: true });
    expect(desktop.clipboardText).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(envelope)).not.toContain(desktop.clipboardText);
    const refused = await dispatch('copyKeySecret', { id: ids.rsa! });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('never leaves the keychain');
  });

  it('stores nothing when RSA-4096 generation is cancelled', async () => {
    const before = vault.list().length;
    const running = dispatch('generateKey', {
      jobId: 'slow',
      alg: 'RS512',
      bits: 4096,
      name: 'cancelled',
    });
    expect(await dispatch('cancelJob', { jobId: 'slow' })).toEqual({
      ok: true,
      value: { cancelled: true },
    });
    expect(await running).toEqual({
      ok: false,
      error: { kind: 'input', message: 'Key generation was cancelled; nothing was changed.' },
    });
    expect(vault.list()).toHaveLength(before);
  });

  it('cancels an upload that hangs, leaving the key unrecorded', async () => {
    await call(dispatch, 'setCredential', { name: 'kinescope', secret: API_TOKEN });
    const { key } = await call(dispatch, 'generateKey', { jobId: 'g', alg: 'RS256', name: 'rsa2' });
    const requestsBefore = kinescope.requests.length;
    kinescope.fail('hang');
    const running = dispatch('uploadToKinescope', { jobId: 'hung', key: key.id });
    await expect.poll(() => kinescope.requests.length).toBe(requestsBefore + 1);
    expect(await dispatch('cancelJob', { jobId: 'hung' })).toMatchObject({
      value: { cancelled: true },
    });
    expect(await running).toEqual({
      ok: false,
      error: { kind: 'environment', message: 'The request to Kinescope was cancelled.' },
    });
    expect(kinescope.requests.length).toBe(requestsBefore + 1); // no retry after the cancel
    expect(vault.find(key.id).uploads ?? []).toEqual([]);
  });

  it('reads attendees only from a .csv file, never a key file, and keeps a bad row from creating anything', async () => {
    const pem = join(home, 'attendees-key.pem');
    writeFileSync(
      pem,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const notCsv = await dispatch('openAttendeeCsv', { path: pem });
    expect(JSON.stringify(notCsv)).toContain('is not one (export the sheet as CSV)');
    const disguised = join(home, 'disguised.csv');
    writeFileSync(disguised, readFileSync(pem));
    const refused = await dispatch('openAttendeeCsv', { path: disguised });
    expect(refused).toMatchObject({ ok: false });
    expect(JSON.stringify(refused)).toContain('holds a private key');
    expect(JSON.stringify(refused)).not.toContain('BEGIN');

    const csv = join(home, 'bad-row.csv');
    writeFileSync(csv, 'Name,Email\nAnn,ann@example.com\nBo,not-an-email\n');
    const sheet = await call(dispatch, 'openAttendeeCsv', { path: csv });
    const request = {
      sheetId: sheet.sheetId,
      provider: 'frameable',
      kind: 'attendee',
      key: ids.rsa!,
      map: { displayName: 'Name', email: 'Email' },
      params: { eventUrl: EVENT_URL },
    };
    const checked = await call(dispatch, 'checkAttendeeImport', { jobId: 'bad-check', ...request });
    expect(checked).toMatchObject({ rowCount: 2, problemCount: 1, problems: [{ line: 3 }] });
    const before = (await call(dispatch, 'listLinks', {})).links.length;
    desktop.nextSavePath = join(home, 'bad-row-links.csv');
    const imported = await dispatch('importAttendees', { jobId: 'bad-import', ...request });
    expect(JSON.stringify(imported)).toMatch(
      /Nothing was created: 1 row\(s\) have problems — line 3/,
    );
    expect((await call(dispatch, 'listLinks', {})).links).toHaveLength(before);
    expect(existsSync(join(home, 'bad-row-links.csv'))).toBe(false);
  });

  it('refuses a link outside the allow-list and files too big to be keys', async () => {
    expect(await dispatch('openExternal', { url: 'https://evil.example/' })).toMatchObject({
      ok: false,
    });
    const big = join(home, 'video.mp4');
    writeFileSync(big, Buffer.alloc(200 * 1024));
    const refused = await dispatch('importKeyFile', { path: big });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toMatch(/it is 200 KiB; Keycast reads at most 64 KiB/);
  });
});
