import type {
  KeepFreshSettings,
  KeepFreshStateView,
  ObsConnectionView,
  ObsStateView,
} from '../../../shared/ipc.ts';
import { DEFAULT_OBS_URL, parseObsUrl, type ObsTarget } from '../obs/connection.ts';
import { KeepFreshRunner, type KeepFreshRunnerOptions } from '../obs/keepFreshRunner.ts';
import { mintForObs } from '../obs/mintForObs.ts';
import { pushService } from '../obs/push.ts';
import { probeObs } from '../obs/status.ts';
import { withObs } from '../obs/connection.ts';
import { OBS_CREDENTIAL, obsTarget, saveObsUrl, savedObsUrl } from '../obs/target.ts';
import type { Vault } from '../vault/vault.ts';
import type { Handlers } from './dispatch.ts';

export type ObsAction =
  | 'obsState'
  | 'sendToObs'
  | 'getObsConnection'
  | 'saveObsConnection'
  | 'testObsConnection'
  | 'obsKeepFreshState'
  | 'saveObsKeepFresh';

export type ObsHandlers = Pick<Handlers, ObsAction>;

/** Overrides for tests: the keep-fresh runner's clock and interval, how long a start may take. */
export interface ObsDeps {
  keepFresh?: Omit<KeepFreshRunnerOptions, 'vault'>;
  startTimeoutMs?: number;
  /** How long the Mint screen's state poll waits for OBS (it asks every few seconds). */
  probeTimeoutMs?: number;
}

const PROBE_TIMEOUT_MS = 3_000;

/**
 * The core's sentences about the password tell CLI users to run "keycast credentials set obs";
 * in the app the password is saved under Settings → OBS (the same keychain item).
 */
export function inAppWords(message: string): string {
  return message.replace(
    /store it with "keycast credentials set obs"/,
    'save it in Keycast under Settings → OBS',
  );
}

/**
 * OBS for the app: its state for the Mint result, "Send to OBS" (main mints a fresh token from the
 * Mint form's values and pushes it: the token never crosses IPC, in either direction), the
 * connection (address saved in the vault, password in the keychain, write-only), and the
 * keep-fresh runner. No answer carries the stream key, the token or the password.
 */
export function createObsHandlers(
  vault: Vault,
  deps: ObsDeps = {},
): { handlers: ObsHandlers; keepFresh: KeepFreshRunner } {
  const keepFresh = new KeepFreshRunner({ vault, ...deps.keepFresh });

  const connection = (): ObsConnectionView => ({
    url: savedObsUrl(vault),
    defaultUrl: DEFAULT_OBS_URL,
    passwordStored: vault.credentialNames().includes(OBS_CREDENTIAL),
  });

  const probe = async (target: ObsTarget): Promise<ObsStateView> => {
    const state = await probeObs(target);
    const url = parseObsUrl(target.url).href.replace(/\/$/, '');
    return state.state === 'problem'
      ? {
          state: 'problem',
          url,
          status: null,
          problem: state.problem,
          message: inAppWords(state.message),
        }
      : { state: state.state, url, status: state.status, problem: null, message: null };
  };

  const keepFreshView = (): KeepFreshStateView => {
    const snapshot = keepFresh.snapshot();
    const settings: KeepFreshSettings | null = snapshot.settings && {
      enabled: snapshot.settings.enabled,
      provider: snapshot.settings.provider,
      kind: snapshot.settings.kind,
      key: snapshot.settings.key,
      params: snapshot.settings.params as KeepFreshSettings['params'],
      ttlSeconds: snapshot.settings.ttlSeconds,
      whip: snapshot.settings.whip ?? false,
      marginSeconds: snapshot.settings.marginSeconds,
    };
    let keyName: string | null = null;
    if (settings) {
      try {
        keyName = vault.find(settings.key).name;
      } catch {
        keyName = null;
      }
    }
    const last = snapshot.last && { ...snapshot.last, message: inAppWords(snapshot.last.message) };
    return { ...snapshot, last, settings, keyName };
  };

  const handlers: ObsHandlers = {
    async obsState() {
      return probe(await obsTarget(vault, undefined, deps.probeTimeoutMs ?? PROBE_TIMEOUT_MS));
    },

    async sendToObs(request) {
      const minted = await mintForObs(vault, request);
      const result = await withObs(await obsTarget(vault), (obs) =>
        pushService(obs, minted.service, {
          start: request.start,
          startTimeoutMs: deps.startTimeoutMs,
        }),
      ).catch((error: unknown) => {
        if (error instanceof Error) error.message = inAppWords(error.message);
        throw error;
      });
      return {
        status: result.status,
        expiresAt: minted.expiresAt,
        started: result.started,
        warnings: minted.warnings,
      };
    },

    getObsConnection() {
      return connection();
    },

    async saveObsConnection({ url, password, forgetPassword }) {
      saveObsUrl(vault, url);
      if (password !== undefined) await vault.setCredential(OBS_CREDENTIAL, password);
      else if (forgetPassword && vault.credentialNames().includes(OBS_CREDENTIAL))
        await vault.deleteCredential(OBS_CREDENTIAL);
      return connection();
    },

    async testObsConnection({ url, password }) {
      const saved = await obsTarget(vault, url);
      return probe({ ...saved, password: password ?? saved.password });
    },

    obsKeepFreshState() {
      return keepFreshView();
    },

    async saveObsKeepFresh(request) {
      await keepFresh.save(request);
      return keepFreshView();
    },
  };
  return { handlers, keepFresh };
}
