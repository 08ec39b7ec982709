import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { formFieldsOf } from '../../main/core/ipc/formFields.ts';
import { PROVIDER_IDS, providerById } from '../../main/core/providers/index.ts';
import { mediamtx } from '../../main/core/providers/mediamtx.ts';
import { checkKey } from '../../main/core/providers/mint.ts';
import type { LocalKind, RawParams } from '../../main/core/providers/types.ts';
import type { Vault } from '../../main/core/vault/vault.ts';

const T = 'aaa.bbb.ccc';

function record(alg: KeyRecord['alg']): KeyRecord {
  return {
    id: 'id1',
    name: 'k',
    alg,
    kid: 'kid1',
    publicJwk: null,
    createdAt: '',
    expiresAt: null,
    provider: null,
    notes: '',
    status: 'active',
  };
}

function prepare(kind: string, params: RawParams) {
  return (mediamtx.kinds[kind] as LocalKind).prepare(params, record('ES256'));
}

describe('the mediamtx provider', () => {
  it('is a built-in provider with publish, read and playback kinds', () => {
    expect(PROVIDER_IDS).toContain('mediamtx');
    expect(providerById('mediamtx', {} as Vault)).toBe(mediamtx);
    expect(Object.keys(mediamtx.kinds)).toEqual(['publish', 'read', 'playback']);
  });

  it("carries MediaMTX's documented permission claim for exactly the kind's action and path", () => {
    for (const action of ['publish', 'read', 'playback']) {
      expect(prepare(action, { host: 'media.example.com', path: 'live/cam1' }).claims).toEqual({
        mediamtx_permissions: [{ action, path: 'live/cam1' }],
      });
    }
  });

  it('gives OBS a server and a stream key that carries the token, and WHIP a bearer token', () => {
    const links = prepare('publish', { host: 'media.example.com', path: 'live/cam1' }).links(T);
    expect(links.obs).toEqual({
      server: 'rtmp://media.example.com:1935/live',
      streamKey: `cam1?jwt=${T}`,
    });
    expect(links.rtmp).toBe(`rtmp://media.example.com:1935/live/cam1?jwt=${T}`);
    expect(links.rtsp).toBe(`rtsp://media.example.com:8554/live/cam1?jwt=${T}`);
    expect(links.whip).toEqual({
      url: 'http://media.example.com:8889/live/cam1/whip',
      bearerToken: T,
      authorization: `Bearer ${T}`,
    });
  });

  it('warns when a one-part path puts the token into OBS’s Server field', () => {
    const prepared = prepare('publish', { host: 'h.example', path: 'cam1', rtmpPort: '1936' });
    expect(prepared.links(T).obs).toEqual({
      server: `rtmp://h.example:1936/cam1?jwt=${T}`,
      streamKey: '',
    });
    expect(prepared.warnings?.join(' ')).toMatch(/live\/cam1/);
  });

  it('builds read and playback links with ports and https as options', () => {
    const read = prepare('read', { host: 'h.example', path: 'cam1', tls: true, hlsPort: '443' });
    expect(read.links(T).hls).toEqual({
      url: 'https://h.example:443/cam1/index.m3u8',
      bearerToken: T,
      authorization: `Bearer ${T}`,
    });
    expect((read.links(T).whep as Record<string, string>).url).toBe(
      'https://h.example:8889/cam1/whep',
    );
    const playback = prepare('playback', { host: 'h.example', path: 'a/b' }).links(T);
    expect((playback.playbackList as Record<string, string>).url).toBe(
      'http://h.example:9996/list?path=a%2Fb',
    );
  });

  it('refuses a missing or regular-expression path, a host with a port, and a shared secret', () => {
    expect(() => prepare('publish', { host: 'h' })).toThrow(/--path/);
    expect(() => prepare('publish', { path: 'cam' })).toThrow(/--host/);
    expect(() => prepare('publish', { host: 'h', path: '~^cam.*$' })).toThrow(/--path/);
    expect(() => prepare('publish', { host: 'h:8554', path: 'cam' })).toThrow(/--host/);
    expect(() => checkKey(mediamtx.key, record('HS256'), 'MediaMTX')).toThrow(
      /not a shared secret/,
    );
    for (const alg of ['ES256', 'ES384', 'EdDSA'] as const) {
      expect(() => checkKey(mediamtx.key, record(alg), 'MediaMTX')).not.toThrow();
    }
  });

  it("gives the app's Mint form the path and ports from the same schema", () => {
    const fields = formFieldsOf((mediamtx.kinds.publish as LocalKind).params);
    expect(fields.map((f) => f.name)).toEqual([
      'host',
      'path',
      'tls',
      'rtmpPort',
      'rtspPort',
      'webrtcPort',
    ]);
    expect(fields.find((f) => f.name === 'path')?.required).toBe(true);
  });

  it('rebuilds the links of a token minted earlier from its claim', () => {
    const { links } = mediamtx.linksFor!(
      T,
      { mediamtx_permissions: [{ action: 'publish', path: 'live/cam1' }] },
      { host: 'h.example' },
    );
    expect(links.rtmp).toBe(`rtmp://h.example:1935/live/cam1?jwt=${T}`);
    expect(() => mediamtx.linksFor!(T, { streamId: 'x' }, { host: 'h' })).toThrow(
      /not a MediaMTX token/,
    );
  });
});
