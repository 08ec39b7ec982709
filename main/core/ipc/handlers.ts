import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { KeyView, Progress, ProviderView, TokenKindView } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { readRegularFile } from '../input.ts';
import { createBackup, MAX_BACKUP_BYTES, restoreBackup } from '../backup/backup.ts';
import { writeSecretFile } from '../backup/file.ts';
import { checkPassphrase } from '../backup/format.ts';
import { exportPublic } from '../keys/export.ts';
import { verificationFamily } from '../lifecycle/rotationFamily.ts';
import { generateKeyMaterial } from '../keys/generate.ts';
import { importKeyMaterial } from '../keys/import.ts';
import { allProviders, providerById } from '../providers/index.ts';
import {
  type KinescopeClient,
  defaultUploadExpiry,
  deleteFromKinescope,
  uploadToKinescope,
  checkCredentialForm,
  kinescopeClientFor,
} from '../providers/kinescope.ts';
import { mintForProvider } from '../providers/mint.ts';
import type { Provider } from '../providers/types.ts';
import { inspectToken, MAX_CLOCK_TOLERANCE_SECONDS } from '../tokens/inspect.ts';
import { keysFromJwks } from '../tokens/verify.ts';
import { readJsonInput } from '../json.ts';
import type { Vault } from '../vault/vault.ts';
import { ClipboardGuard, type Clipboard } from './clipboardGuard.ts';
import type { Handlers } from './dispatch.ts';
import { isAllowedExternal } from './externalUrls.ts';
import { formFieldsOf } from './formFields.ts';
import { Jobs } from './jobs.ts';
import { toKeyView } from './keyView.ts';
import { createActivityHandlers } from './activityHandlers.ts';
import { createLinkHandlers, type LinkDeps } from './linkHandlers.ts';
import { createObsHandlers, type ObsDeps } from './obsHandlers.ts';
import { createRotationHandlers, type RotationDeps } from './rotationHandlers.ts';
import { createStatusHandlers, type StatusDeps } from './statusHandlers.ts';
import type { KeepFreshRunner } from '../obs/keepFreshRunner.ts';
import type { SettingsStore } from './settingsStore.ts';

/** What only the desktop can do: native dialogs, the clipboard, the browser. */
export interface DesktopPorts {
  chooseKeyFile(): Promise<string | null>;
  chooseBackupFile(): Promise<string | null>;
  chooseSavePath(suggestedName: string, title?: string): Promise<string | null>;
  clipboard: Clipboard;
  openExternal(url: string): Promise<void>;
}

export interface HandlerDeps {
  vault: Vault;
  settings: SettingsStore;
  ports: DesktopPorts;
  version: string;
  progress: (progress: Progress) => void;
  /** What opening the data folder reported (migrated from keycast.json, restored a snapshot). */
  notices?: readonly string[];
  /** Overrides of the providers' API addresses (self-hosted, tests). */
  apiBases?: { kinescope?: string };
  /** The Links screen: the attendee CSV dialog, and where links live (tests). */
  links?: LinkDeps;
  /** OBS: the keep-fresh runner's clock and interval, time limits (tests). */
  obs?: ObsDeps;
  /** The status banner: its clock and rotation source (tests). */
  status?: StatusDeps;
  /** The Rotate… wizard: its clock and platform clients (tests). */
  rotation?: RotationDeps;
}

export interface AppCore {
  handlers: Handlers;
  clipboard: ClipboardGuard;
  jobs: Jobs;
  /** "Keep OBS's token fresh": the app resumes it once up and stops it on quit. */
  keepFresh: KeepFreshRunner;
}

/** A key file is a few KB at most; refuse to read anything that is clearly something else. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

function kindViews(provider: Provider): TokenKindView[] {
  return Object.entries(provider.kinds).map(([id, kind]) => {
    const requirement = kind.mode === 'local' ? (kind.key ?? provider.key) : null;
    return {
      id,
      description: kind.description,
      mode: kind.mode,
      algs: requirement ? [...requirement.algs] : [],
      keyDescription: requirement?.describe ?? `issued by ${provider.name}'s API`,
      ttl:
        kind.mode === 'local'
          ? { default: kind.ttl.default, max: kind.ttl.max, warnAbove: kind.ttl.warnAbove ?? null }
          : null,
      fields: formFieldsOf(kind.params),
    };
  });
}

function readKeyFile(path: string): string {
  return readRegularFile(path, 'key file', MAX_KEY_FILE_BYTES);
}

const expiryFrom = (days: number | undefined): string | null =>
  days ? new Date(Date.now() + days * 86_400_000).toISOString() : null;

/** The app's actions over the real core; the Electron main process and the tests use the same table. */
export function createAppCore(deps: HandlerDeps): AppCore {
  const { vault, settings, ports } = deps;
  const clipboard = new ClipboardGuard(ports.clipboard);
  const jobs = new Jobs(deps.progress);
  const kinescopeClient = (signal?: AbortSignal): Promise<KinescopeClient> =>
    kinescopeClientFor(vault, { baseUrl: deps.apiBases?.kinescope, signal });
  const view = (record: KeyRecord): { key: KeyView } => ({ key: toKeyView(record) });
  const obs = createObsHandlers(vault, deps.obs);

  const handlers: Handlers = {
    ...createLinkHandlers(deps, jobs),
    ...obs.handlers,
    ...createStatusHandlers(vault, deps.status),
    ...createRotationHandlers(vault, jobs, {
      kinescopeApi: deps.apiBases?.kinescope,
      ...deps.rotation,
    }),
    ...createActivityHandlers(vault, ports),

    async appInfo() {
      return {
        version: deps.version,
        dataDir: vault.dataDir,
        keychain: await vault.keychainProblem().then((message) => ({
          available: message === null,
          message,
        })),
        clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS,
        notices: [...(deps.notices ?? [])],
      };
    },

    async listKeys() {
      const now = new Date();
      const records = vault.list();
      const missing = await vault.missingSecrets(records);
      return { keys: records.map((r) => toKeyView(r, now, missing.has(r.id))) };
    },

    generateKey(request) {
      return jobs.run(request.jobId, async (job) => {
        const printable = request.printable ?? request.provider === 'antmedia';
        job.progress(
          request.bits && request.bits >= 4096
            ? 'Generating a 4096-bit RSA key (this can take several seconds)…'
            : 'Generating the key…',
        );
        const material = await generateKeyMaterial(request.alg, { bits: request.bits, printable });
        job.checkpoint('Key generation');
        job.progress('Saving to the system keychain…', 0.9);
        const record = await vault.add(material, {
          name: request.name,
          provider: request.provider ?? null,
          expiresAt: expiryFrom(request.expiresInDays),
        });
        material.secret.fill(0);
        return view(record);
      });
    },

    async chooseKeyFile() {
      return { path: await ports.chooseKeyFile() };
    },

    async importKeyFile(request) {
      const material = importKeyMaterial(readKeyFile(request.path), { alg: request.alg });
      const record = await vault.add(material, {
        name: request.name ?? basename(request.path).replace(/\.[^.]+$/, ''),
        provider: request.provider ?? null,
        attributes: request.appId ? { applicationId: request.appId } : undefined,
      });
      material.secret.fill(0);
      return view(record);
    },

    async importSecret(request) {
      const material = importKeyMaterial(request.secret, {
        alg: request.alg,
        secretEncoding: request.encoding,
      });
      const record = await vault.add(material, {
        name: request.name,
        provider: request.provider ?? null,
      });
      material.secret.fill(0);
      return view(record);
    },

    async keyDetails({ id }) {
      const record = vault.find(id);
      const pub = record.publicJwk !== null;
      const missing = await vault.missingSecrets([record]);
      return {
        key: toKeyView(record, new Date(), missing.has(record.id)),
        jwk: pub ? exportPublic([record], 'jwk') : null,
        // During a rotation's overlap the JWKS holds both keys, as keys export does.
        jwks: pub ? exportPublic(verificationFamily(vault, record), 'jwks') : null,
        pem: pub ? exportPublic([record], 'pem') : null,
      };
    },

    async saveKeyAs({ id, format }) {
      const record = vault.find(id);
      const text = exportPublic(
        format === 'jwks' ? verificationFamily(vault, record) : [record],
        format,
      );
      const extension = format === 'pem' ? 'pem' : 'json';
      const path = await ports.chooseSavePath(`${record.name}.${format}.${extension}`);
      if (path === null) return { path: null };
      try {
        writeFileSync(path, text, { mode: 0o644 });
      } catch {
        throw new InputError(`Keycast could not write ${path}: choose a folder you can write to.`);
      }
      return { path };
    },

    async deleteKey({ id, evenIfUploaded, evenIfRetiring }) {
      const record = await vault.remove(id, { evenIfUploaded, evenIfRetiring });
      return { deleted: record.id };
    },

    async copyKeySecret({ id }) {
      return clipboard.copy(await vault.sharedSecretText(vault.find(id)), true);
    },

    listProviders() {
      const providers: ProviderView[] = allProviders(vault).map((p) => ({
        id: p.id,
        name: p.name,
        kinds: kindViews(p),
      }));
      return { providers };
    },

    mintToken(request) {
      return mintForProvider(providerById(request.provider, vault), vault, {
        kind: request.kind,
        key: request.key,
        params: request.params,
        ttlSeconds: request.ttlSeconds,
      });
    },

    async inspectToken(request) {
      let keys;
      if (request.verifyWith === 'vault') {
        // A key whose secret is missing (or whose item does not match) cannot verify: skip it, so
        // one broken HMAC item does not fail every token.
        const settled = await Promise.allSettled(vault.list().map((r) => vault.verifier(r)));
        keys = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      } else if (request.verifyWith === 'jwks') {
        keys = keysFromJwks(readJsonInput(request.jwks ?? '', 'JWKS'));
      }
      const result = await inspectToken(request.token.trim(), {
        keys,
        audience: request.audience?.trim() || undefined,
      });
      return { ...result, checkedWith: request.verifyWith };
    },

    listCredentials() {
      return {
        credentials: vault.credentialNames().map((name) => ({ name, masked: '••••••••' })),
      };
    },

    async setCredential({ name, secret }) {
      checkCredentialForm(name, secret);
      await vault.setCredential(name, secret);
      return {};
    },

    async deleteCredential({ name }) {
      await vault.deleteCredential(name);
      return {};
    },

    async kinescopeKeys() {
      const remote = await (await kinescopeClient()).listKeys();
      const local = vault.list();
      return {
        keys: remote.map((k) => ({
          id: String(k.id),
          kid: String(k.kid),
          alg: k.alg ?? '-',
          expiresAt: typeof k.expires_at === 'string' ? k.expires_at : null,
          localKey: local.find((r) => r.kid === k.kid)?.name ?? null,
        })),
      };
    },

    uploadToKinescope(request) {
      return jobs.run(request.jobId, async (job) => {
        const record = vault.find(request.key);
        job.progress('Uploading the public key to Kinescope…', 0.3);
        const client = await kinescopeClient(job.signal);
        const updated = await uploadToKinescope(client, vault, record, defaultUploadExpiry(record));
        return view(updated);
      });
    },

    async deleteFromKinescope({ remoteId }) {
      await deleteFromKinescope(await kinescopeClient(), vault, remoteId);
      return {};
    },

    async setKinescopeChatJwt({ eventId, required }) {
      await (await kinescopeClient()).enableChatJwt(eventId, required);
      return {};
    },

    providerGuide({ provider, key }) {
      const p = providerById(provider, vault);
      if (!p.guide) throw new InputError(`There is no guide for ${p.name}.`);
      return { steps: p.guide(vault.find(key)) };
    },

    getSettings() {
      return settings.get();
    },

    saveSettings(request) {
      return settings.save(request);
    },

    async copyText({ text, sensitive }) {
      return clipboard.copy(text, sensitive);
    },

    async openExternal({ url }) {
      if (!isAllowedExternal(url)) {
        throw new InputError(
          'Keycast only opens https links on the providers’ own sites; copy this link instead.',
        );
      }
      await ports.openExternal(url);
      return {};
    },

    async backupVault({ passphrase, keys }) {
      checkPassphrase(passphrase);
      for (const ref of keys ?? []) vault.find(ref);
      const day = new Date().toISOString().slice(0, 10);
      const path = await ports.chooseSavePath(
        `keycast-backup-${day}.kcbackup`,
        'Save an encrypted backup',
      );
      if (path === null) return { path: null, summary: null, missing: [] };
      const { jwe, summary, missing } = await createBackup(vault, passphrase, keys);
      // The save dialog already asked whether to replace an existing file.
      writeSecretFile(path, `${jwe}\n`, 'backup', { replace: true });
      return { path, summary, missing };
    },

    async restoreVault({ passphrase, onConflict }) {
      const path = await ports.chooseBackupFile();
      if (path === null) return { path: null, summary: null, skipped: [], renamed: [] };
      const text = readRegularFile(path, 'backup', MAX_BACKUP_BYTES);
      const { skipped, renamed, ...summary } = await restoreBackup(
        vault,
        text,
        passphrase,
        onConflict,
      );
      return { path, summary, skipped, renamed };
    },

    cancelJob({ jobId }) {
      return { cancelled: jobs.cancel(jobId) };
    },
  };
  return { handlers, clipboard, jobs, keepFresh: obs.keepFresh };
}
