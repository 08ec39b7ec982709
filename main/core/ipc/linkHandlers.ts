import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type {
  ClickView,
  LinkKind,
  LinkServerState,
  RedirectLinkView,
  RequestOf,
} from '../../../shared/ipc.ts';
import { writeSecretFile } from '../backup/file.ts';
import { InputError } from '../errors.ts';
import { readRegularFile } from '../input.ts';
import {
  checkRows,
  importLinks,
  linksOf,
  readAttendees,
  withLinks,
  type AttendeeSheet,
  type ImportOptions,
} from '../links/csvImport.ts';
import { isLoopbackHost } from '../links/hostCheck.ts';
import {
  DEFAULT_LISTEN,
  startServer,
  type LinkServer,
  type ListenAddress,
} from '../links/server.ts';
import { DEFAULT_PUBLIC_URL, publicUrlOf, savePublicUrl } from '../links/publicUrl.ts';
import { LinkService, normalizePublicUrl, type NewLink } from '../links/service.ts';
import { statusOf } from '../links/status.ts';
import { SqliteLinkStore } from '../links/sqliteLinks.ts';
import type { LinkStore, RedirectLink } from '../links/types.ts';
import { allProviders } from '../providers/index.ts';
import type { Vault } from '../vault/vault.ts';
import type { Handlers } from './dispatch.ts';
import type { DesktopPorts } from './handlers.ts';
import type { Jobs } from './jobs.ts';

/** An attendee spreadsheet: generous for a CSV, bounded all the same (as the CLI). */
const MAX_CSV_BYTES = 16 * 1024 * 1024;
/** Rows shown in the mapping's preview. */
const PREVIEW_ROWS = 10;
/** Problems listed back at most; the count says how many there were in all. */
const MAX_PROBLEMS = 1000;
/** Rows checked between two progress reports (and cancel checks). */
const CHECK_CHUNK = 50;
/** Sheets main keeps open between preview and import; the oldest is forgotten first. */
const MAX_OPEN_SHEETS = 4;

/** What the Links screen needs beyond the desktop ports every screen has. */
export interface LinkDeps {
  /** The native open dialog for an attendee CSV; without it the file can still be dropped. */
  chooseAttendeeCsv?: () => Promise<string | null>;
  /** Where links live; default: the vault's own SQLite database. */
  store?: LinkStore;
  /** One line per request of the app's server (never a link id). */
  log?: (line: string) => void;
}

export type LinkAction =
  | 'linkKinds'
  | 'listLinks'
  | 'setLinksPublicUrl'
  | 'createLink'
  | 'revokeLink'
  | 'reissueLink'
  | 'deleteLink'
  | 'linkClicks'
  | 'chooseAttendeeCsv'
  | 'openAttendeeCsv'
  | 'checkAttendeeImport'
  | 'importAttendees'
  | 'linkServerState'
  | 'startLinkServer'
  | 'stopLinkServer';

export type LinkHandlers = Pick<Handlers, LinkAction>;

interface RunningServer {
  server: LinkServer;
  listen: ListenAddress;
  publicUrl: string;
  warning: string | null;
  startedAt: string;
}

/** The options a link has beside its parameters, as one link and a CSV import both take them. */
function linkOptionsOf(request: {
  tokenTtlSeconds?: number;
  validFrom?: string | null;
  validUntil?: string | null;
  maxUses?: number | null;
  confirm?: boolean;
  note?: string;
}): Pick<NewLink, 'tokenTtlSeconds' | 'validFrom' | 'validUntil' | 'maxUses' | 'confirm' | 'note'> {
  return {
    tokenTtlSeconds: request.tokenTtlSeconds,
    validFrom: instantOf(request.validFrom),
    validUntil: instantOf(request.validUntil),
    maxUses: request.maxUses ?? null,
    confirm: request.confirm ?? false,
    note: request.note,
  };
}

/** An instant from the app, in the one form the stores compare byte by byte. */
const instantOf = (text: string | null | undefined): string | null =>
  text ? new Date(text).toISOString() : null;

/**
 * The Links screen's actions: links created with every mint check, their table and clicks, an
 * attendee CSV read by main (never by the renderer) and imported all or none, and the redirect
 * server the app runs (loopback unless asked, closed on quit). A link's URL, which carries its
 * secret id, leaves main only in the answers to create, reissue and import.
 */
export function createLinkHandlers(
  deps: { vault: Vault; ports: DesktopPorts; links?: LinkDeps },
  jobs: Jobs,
): LinkHandlers {
  const { vault, ports } = deps;
  let store: LinkStore | null = deps.links?.store ?? null;
  let service: LinkService | null = null;
  let running: RunningServer | null = null;
  let starting: Promise<unknown> | null = null;
  const sheets = new Map<string, { sheet: AttendeeSheet; fileName: string }>();

  const linkStore = (): LinkStore => (store ??= new SqliteLinkStore(vault.database));
  /** The same public URL as `keycast redirects` and `keycast serve` on this vault. */
  const publicUrl = (): string => publicUrlOf(vault);
  /** One service per public URL: it keeps the vault's link key once read from the keychain. */
  const links = (): LinkService => {
    const url = normalizePublicUrl(publicUrl());
    if (service?.publicUrl !== url)
      service = new LinkService(vault, linkStore(), { publicUrl: url });
    return service;
  };

  const keyNames = (): Map<string, string> => new Map(vault.list().map((k) => [k.id, k.name]));
  const view = (link: RedirectLink, names = keyNames(), now = new Date()): RedirectLinkView => ({
    id: link.id,
    label: link.label,
    provider: link.provider,
    kind: link.kind,
    keyId: link.keyId,
    keyName: names.get(link.keyId) ?? null,
    params: Object.fromEntries(
      Object.entries(link.params).filter(
        (entry): entry is [string, string | string[] | boolean] => entry[1] !== undefined,
      ),
    ),
    tokenTtlSeconds: link.tokenTtlSeconds,
    validFrom: link.validFrom,
    validUntil: link.validUntil,
    maxUses: link.maxUses,
    uses: link.uses,
    confirm: link.confirm,
    note: link.note,
    createdAt: link.createdAt,
    revokedAt: link.revokedAt,
    lastClickAt: link.lastClickAt,
    status: statusOf(link, now),
  });

  const sheetOf = (id: string): AttendeeSheet => {
    const open = sheets.get(id);
    if (!open) throw new InputError('That CSV is no longer open: choose the file again.');
    return open.sheet;
  };

  const importOptions = (
    request: Omit<RequestOf<'importAttendees'>, 'jobId' | 'sheetId'>,
  ): ImportOptions => ({
    provider: request.provider,
    kind: request.kind,
    key: request.key,
    map: request.map,
    params: request.params,
    labelColumn: request.labelColumn,
    ...linkOptionsOf(request),
  });

  const serverState = (): LinkServerState =>
    running
      ? {
          running: true,
          address: running.server.address,
          listen: running.listen,
          publicUrl: running.publicUrl,
          warning: running.warning,
          startedAt: running.startedAt,
        }
      : {
          running: false,
          address: null,
          listen: DEFAULT_LISTEN,
          publicUrl: normalizePublicUrl(publicUrl()),
          warning: null,
          startedAt: null,
        };

  const stop = async (): Promise<void> => {
    await starting?.catch(() => undefined);
    const current = running;
    running = null;
    await current?.server.close();
  };

  return {
    linkKinds() {
      const kinds: LinkKind[] = allProviders(vault).flatMap((provider) =>
        Object.entries(provider.kinds).flatMap(([kind, k]) =>
          k.mode === 'local' && k.redirect
            ? [{ provider: provider.id, kind, destination: k.redirect }]
            : [],
        ),
      );
      return { kinds };
    },

    async listLinks() {
      const names = keyNames();
      const now = new Date();
      const list = await linkStore().list();
      return { links: list.map((l) => view(l, names, now)), publicUrl: links().publicUrl };
    },

    setLinksPublicUrl({ publicUrl: url }) {
      if (running) {
        throw new InputError(
          'Stop the server first: it answers for the public URL it was started with.',
        );
      }
      return { publicUrl: savePublicUrl(vault, url === '' ? DEFAULT_PUBLIC_URL : url) };
    },

    async createLink(request) {
      const issued = await links().create({
        provider: request.provider,
        kind: request.kind,
        key: request.key,
        params: request.params,
        label: request.label,
        ...linkOptionsOf(request),
      });
      return { link: view(issued.link), url: issued.url };
    },

    async revokeLink({ id }) {
      const service = links();
      const link = await service.find(id);
      if (!(await service.store.revoke(link.id, new Date())))
        throw new InputError(`The link "${link.label}" was revoked already.`);
      return { link: view(await service.find(link.id)) };
    },

    async reissueLink({ id }) {
      const issued = await links().reissue(id);
      return { link: view(issued.link), url: issued.url };
    },

    async deleteLink({ id }) {
      const service = links();
      const link = await service.find(id);
      await service.store.remove(link.id);
      return { deleted: link.id };
    },

    async linkClicks({ linkId, limit }) {
      const store = linkStore();
      const labels = new Map((await store.list()).map((l) => [l.id, l.label]));
      const clicks: ClickView[] = (await store.clicks({ linkId, limit: limit ?? 100 })).map(
        (c) => ({
          at: c.at,
          outcome: c.outcome,
          linkId: c.linkId,
          label: c.linkId ? (labels.get(c.linkId) ?? null) : null,
          client: c.client,
          agent: c.agent,
        }),
      );
      return { clicks };
    },

    async chooseAttendeeCsv() {
      const choose = deps.links?.chooseAttendeeCsv;
      if (!choose) {
        throw new InputError('This window has no file dialog: drop the CSV file on the screen.');
      }
      return { path: await choose() };
    },

    openAttendeeCsv({ path }) {
      // Its first rows go to the window: only a .csv file, and never one holding a private key,
      // so no path the window names can bring key material into it.
      if (!/\.csv$/i.test(path)) {
        throw new InputError(
          `Keycast imports attendees from a .csv file; ${basename(path)} is not one (export the sheet as CSV).`,
        );
      }
      const text = readRegularFile(path, 'attendee CSV', MAX_CSV_BYTES);
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----|"d"\s*:/.test(text)) {
        throw new InputError(
          `${basename(path)} holds a private key, not attendees: it was not read into the window.`,
        );
      }
      const sheet = readAttendees(text);
      if (sheet.rows.length === 0)
        throw new InputError('The CSV has a header row but no attendees.');
      const sheetId = randomUUID();
      sheets.set(sheetId, { sheet, fileName: basename(path) });
      while (sheets.size > MAX_OPEN_SHEETS) sheets.delete(sheets.keys().next().value!);
      return {
        sheetId,
        fileName: basename(path),
        columns: sheet.columns,
        rowCount: sheet.rows.length,
        rows: sheet.rows.slice(0, PREVIEW_ROWS),
      };
    },

    checkAttendeeImport({ jobId, sheetId, ...request }) {
      return jobs.run(jobId, async (job) => {
        const sheet = sheetOf(sheetId);
        const planned = linksOf(sheet, importOptions(request));
        const service = links();
        const problems = [];
        for (let at = 0; at < planned.length; at += CHECK_CHUNK) {
          job.checkpoint('The check');
          job.progress(`Checking row ${at + 1} of ${planned.length}…`, at / planned.length);
          problems.push(...(await checkRows(service, planned.slice(at, at + CHECK_CHUNK))));
        }
        return {
          rowCount: planned.length,
          problems: problems.slice(0, MAX_PROBLEMS),
          problemCount: problems.length,
          planned: planned.slice(0, PREVIEW_ROWS).map(({ line, link }) => ({
            line,
            label: link.label ?? null,
            params: Object.fromEntries(
              Object.entries(link.params).filter(
                (entry): entry is [string, string | string[] | boolean] => entry[1] !== undefined,
              ),
            ),
          })),
        };
      });
    },

    importAttendees({ jobId, sheetId, ...request }) {
      return jobs.run(jobId, async (job) => {
        const open = sheets.get(sheetId);
        const sheet = sheetOf(sheetId);
        const options = importOptions(request);
        linksOf(sheet, options); // a missing column is said before the dialog opens
        const suggested = `${(open?.fileName ?? 'attendees').replace(/\.csv$/i, '')}-links.csv`;
        const path = await ports.chooseSavePath(
          suggested,
          'Save the attendee CSV with its links (only you can read it)',
        );
        if (path === null) return { path: null, created: [] };
        job.checkpoint('The import');
        job.progress(`Checking and creating ${sheet.rows.length} links…`);
        const service = links();
        const created = await importLinks(service, sheet, options);
        try {
          // The save dialog already asked whether to replace an existing file.
          writeSecretFile(
            path,
            withLinks(sheet, new Map(created.map((c) => [c.line, c.issued.url]))),
            'links CSV',
            { replace: true },
          );
        } catch (error) {
          // Links nobody can send are no use: they are removed again, as the CLI does.
          for (const { issued } of created)
            await service.store.remove(issued.link.id).catch(() => false);
          throw error;
        }
        sheets.delete(sheetId);
        return {
          path,
          created: created.map(({ line, issued }) => ({
            line,
            id: issued.link.id,
            label: issued.link.label,
            url: issued.url,
          })),
        };
      });
    },

    linkServerState() {
      return serverState();
    },

    async startLinkServer({ host, port }) {
      if (running || starting) {
        throw new InputError(
          `The server is already running${running ? ` on ${running.server.address}` : ''}.`,
        );
      }
      const listen = { host: host.replace(/^\[(.*)\]$/, '$1'), port };
      if (!isLoopbackHost(listen.host) && isLoopbackHost(new URL(publicUrl()).hostname)) {
        // Other machines would reach it, but every link names this machine's loopback address.
        throw new InputError(
          `Links name ${publicUrl()}, which only this machine can open: set the public URL people reach the server under before listening on ${listen.host}.`,
        );
      }
      const service = links();
      const warnings: string[] = [];
      // Clicks are counted on every request: see Database.preferThroughput for what that trades.
      vault.database.preferThroughput();
      const attempt = startServer({
        service,
        listen,
        log: deps.links?.log,
        warn: (m) => warnings.push(m),
      });
      starting = attempt;
      try {
        const server = await attempt;
        running = {
          server,
          listen: { host: listen.host, port: server.port },
          publicUrl: service.publicUrl,
          // A bind other machines reach (§30), links whose key expired (they answer 503).
          warning: warnings.length ? warnings.join(' ') : null,
          startedAt: new Date().toISOString(),
        };
      } finally {
        starting = null;
      }
      return serverState();
    },

    async stopLinkServer() {
      await stop();
      return serverState();
    },
  };
}
