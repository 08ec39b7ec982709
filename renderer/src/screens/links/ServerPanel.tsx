import { useState, type FormEvent } from 'react';
import type { LinkServerState } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { whenOf } from './linkOptions.ts';

/** Addresses only this machine reaches (SECURITY.md §30): anything else is said before it starts. */
export function isLoopback(host: string): boolean {
  const plain = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return plain === 'localhost' || plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/** A public URL on this machine whose port is not the one the server listens on. */
export function portMismatch(state: LinkServerState): string | null {
  if (!state.running || !state.address) return null;
  const links = new URL(state.publicUrl);
  const served = new URL(state.address);
  if (!isLoopback(links.hostname)) return null;
  const port = links.port || (links.protocol === 'https:' ? '443' : '80');
  return port === served.port
    ? null
    : `Links start with ${state.publicUrl}, but this server listens on port ${served.port}: they will not reach it. Stop it and start it on port ${port}, or change the public URL.`;
}

/**
 * The app's redirect server: its state and address, start (loopback by default) and stop, and
 * the public URL links are given out under.
 */
export function ServerPanel({
  state,
  onState,
  onPublicUrl,
  onError,
}: {
  state: LinkServerState;
  onState: (state: LinkServerState) => void;
  onPublicUrl: (url: string) => void;
  onError: (message: string | null) => void;
}) {
  const [host, setHost] = useState(state.listen.host);
  const [port, setPort] = useState(String(state.listen.port));
  const [publicUrl, setPublicUrl] = useState(state.publicUrl);
  const [busy, setBusy] = useState(false);
  const exposed = !isLoopback(host);
  const mismatch = portMismatch(state);

  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    try {
      await work();
      onError(null);
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      if (state.running) onState(await call('stopLinkServer', {}));
      else {
        if (!/^\d{1,5}$/.test(port.trim()) || Number(port) > 65_535)
          throw new Error('The port is a number from 0 to 65535 (0: any free port).');
        const started = await call('startLinkServer', { host: host.trim(), port: Number(port) });
        // Port 0 asks for any free port: the field shows the one it got.
        setPort(String(started.listen.port));
        onState(started);
      }
    });
  };
  const savePublicUrl = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      const saved = await call('setLinksPublicUrl', { publicUrl: publicUrl.trim() });
      setPublicUrl(saved.publicUrl);
      onPublicUrl(saved.publicUrl);
    });
  };

  return (
    <section className="panel server" aria-labelledby="server-title">
      <h2 id="server-title">Redirect server</h2>
      <p role="status" data-testid="server-state" className={state.running ? 'ok' : undefined}>
        {state.running
          ? `Running on ${state.address} since ${whenOf(state.startedAt, true)}.`
          : 'Stopped. Links work only while a server answers them: this one, or “keycast serve” on a server.'}
      </p>
      {state.warning && <p className="notice warn">{state.warning}</p>}
      {mismatch && <p className="notice warn">{mismatch}</p>}
      <div className="grid two">
        <form aria-label="Server address" onSubmit={toggle}>
          <div className="grid">
            <label>
              Listen on
              <input
                value={host}
                disabled={state.running}
                onChange={(e) => setHost(e.target.value)}
                aria-describedby="listen-hint"
              />
            </label>
            <label>
              Port
              <input
                type="number"
                min={0}
                max={65_535}
                value={port}
                disabled={state.running}
                onChange={(e) => setPort(e.target.value)}
              />
            </label>
          </div>
          <span id="listen-hint" className={exposed && !state.running ? 'hint warn' : 'hint'}>
            {exposed && !state.running
              ? `Other machines can reach ${host.trim() || 'this address'}: put a TLS reverse proxy in front, or listen on 127.0.0.1.`
              : 'Only this machine can reach 127.0.0.1; a reverse proxy in front makes links public.'}
          </span>
          <div className="actions">
            <button type="submit" disabled={busy} className={state.running ? 'danger' : undefined}>
              {state.running ? 'Stop server' : 'Start server'}
            </button>
          </div>
        </form>
        <form aria-label="Public URL" onSubmit={savePublicUrl}>
          <label>
            Public URL
            <input
              value={publicUrl}
              disabled={state.running}
              placeholder="http://127.0.0.1:8080"
              onChange={(e) => setPublicUrl(e.target.value)}
              aria-describedby="public-url-hint"
            />
          </label>
          <span id="public-url-hint" className="hint">
            New links start with this address, then /l/…; behind a reverse proxy, its https address.
            Empty: this machine, port 8080.
          </span>
          <div className="actions">
            <button type="submit" disabled={busy || state.running}>
              Save public URL
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}
