import { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { withObs } from '../core/obs/connection.ts';
import { keepObsFresh } from '../core/obs/keepFresh.ts';
import { mintForObs, type ObsMintRequest } from '../core/obs/mintForObs.ts';
import { pushService, type ObsService } from '../core/obs/push.ts';
import { readStatus, type ObsStatus } from '../core/obs/status.ts';
import { obsTarget, saveObsUrl, savedObsUrl } from '../core/obs/target.ts';
import { parseDuration } from '../core/time.ts';
import type { Vault } from '../core/vault/vault.ts';
import { openVault } from './context.ts';
import { printJson, printLines, readInput, warn } from './io.ts';
import { addProviderFlags, paramsFrom } from './providerCommands.ts';

interface ConnectionFlags {
  obsUrl?: string;
  json?: boolean;
}

interface PushFlags extends ConnectionFlags {
  key?: string;
  ttl?: string;
  whip?: boolean;
  start?: boolean;
  startTimeout: string;
  server?: string;
  streamKey?: string;
}

/** The flags of `obs push` that are not provider parameters. */
const OWN_FLAGS = [
  'obsUrl',
  'whip',
  'start',
  'startTimeout',
  'server',
  'streamKey',
  'margin',
  'interval',
];

const OBS_URL_HELP = 'obs-websocket address (default: the saved one, else ws://127.0.0.1:4455)';

export function obsCommand(): Command {
  const obs = new Command('obs').description(
    'put a fresh publish token into OBS over obs-websocket, and start the stream',
  );

  obs
    .command('status')
    .description(
      'OBS and obs-websocket versions, streaming or not, the service and server (never the key)',
    )
    .option('--obs-url <URL>', OBS_URL_HELP)
    .option('--json', 'print the status as JSON')
    .action(async (flags: ConnectionFlags, command: Command) => {
      const vault = openVault(command);
      const status = await withObs(await obsTarget(vault, flags.obsUrl), readStatus);
      if (flags.json) return printJson(status);
      printLines(describeStatus(status));
    });

  obs
    .command('url [URL]')
    .description(
      'show the saved obs-websocket address, or save a new one (the password: keycast credentials set obs)',
    )
    .action((url: string | undefined, _flags: unknown, command: Command) => {
      const vault = openVault(command);
      printLines([url ? saveObsUrl(vault, url) : savedObsUrl(vault)]);
    });

  addProviderFlags(
    obs
      .command('push [provider] [kind]')
      .description(
        'mint a token exactly as "keycast mint" does and put it into OBS (Settings → Stream), read back and checked; refused while OBS is live',
      )
      .option('--key <key>', 'vault key to sign with (id, kid or name)')
      .option('--ttl <DURATION>', "token lifetime, e.g. 1h (default: the provider's)")
      .option('--whip', 'WHIP (OBS 30+) instead of custom RTMP')
      .option('--start', 'start streaming and wait until the server accepts the stream')
      .option('--start-timeout <DURATION>', 'how long --start waits', '20s')
      .option('--server <URL>', 'push this server instead of minting (with --stream-key -)')
      .option(
        '--stream-key <->',
        'with --server: "-" reads the stream key (or WHIP token) from standard input',
      )
      .option('--obs-url <URL>', OBS_URL_HELP)
      .option('--json', 'print {obs, expiresAt, started} (never the key)'),
  ).action(
    async (
      providerId: string | undefined,
      kind: string | undefined,
      flags: PushFlags & Record<string, unknown>,
      command: Command,
    ) => {
      const startTimeoutMs = parseDuration(flags.startTimeout) * 1000;
      const vault = openVault(command);
      const { service, expiresAt } = flags.server
        ? { service: await givenService(flags), expiresAt: null }
        : await mint(vault, providerId, kind, flags);
      const target = await obsTarget(vault, flags.obsUrl);
      const result = await withObs(target, (connection) =>
        pushService(connection, service, { start: flags.start, startTimeoutMs }),
      );
      if (flags.json) return printJson({ obs: result.status, expiresAt, started: result.started });
      printLines([
        `OBS ${result.status.obsVersion}: stream settings set (${serviceLabel(service)}, server ${service.server}), read back and checked.`,
        ...(expiresAt ? [`The token in OBS expires ${expiresAt}.`] : []),
        ...(result.started ? ['Streaming: the server accepted the stream.'] : []),
      ]);
    },
  );

  addProviderFlags(
    obs
      .command('keep-fresh <provider> <kind>')
      .description(
        "keep OBS's token fresh: whenever OBS is not live and its token has less than --margin left, push a new one (runs until stopped)",
      )
      .requiredOption('--key <key>', 'vault key to sign with (id, kid or name)')
      .option('--ttl <DURATION>', "token lifetime, e.g. 1h (default: the provider's)")
      .option(
        '--margin <DURATION>',
        'push a new token when the one in OBS has less than this left',
        '10m',
      )
      .option('--interval <DURATION>', 'how often to look at OBS', '30s')
      .option('--whip', 'WHIP (OBS 30+) instead of custom RTMP')
      .option('--obs-url <URL>', OBS_URL_HELP),
  ).action(
    async (
      providerId: string,
      kind: string,
      flags: PushFlags & { margin: string; interval: string } & Record<string, unknown>,
      command: Command,
    ) => {
      const marginSeconds = parseDuration(flags.margin);
      const intervalMs = parseDuration(flags.interval) * 1000;
      const vault = openVault(command);
      const request = mintRequest(providerId, kind, flags);
      // One mint up front: a wrong key, kind or flag is refused now, not at the first refresh.
      const first = await mintForObs(vault, request);
      for (const message of first.warnings) warn(message);
      const lifetime = first.expiresAt ? (Date.parse(first.expiresAt) - Date.now()) / 1000 : null;
      if (lifetime !== null && marginSeconds >= lifetime) {
        throw new InputError(
          `--margin (${flags.margin}) must be shorter than the token's lifetime, or every look at OBS would push a new token.`,
        );
      }
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      printLines([`Keeping OBS's token fresh (margin ${flags.margin}); stop with Ctrl-C.`]);
      await keepObsFresh({
        target: await obsTarget(vault, flags.obsUrl),
        kid: first.kid,
        marginSeconds,
        intervalMs,
        signal: controller.signal,
        mint: async () => (await mintForObs(vault, request)).service,
        report: (event) => {
          const line = `${event.at.toISOString()} ${event.message}`;
          if (event.problem) warn(line);
          else printLines([line]);
        },
      });
    },
  );

  return obs;
}

function mintRequest(
  providerId: string | undefined,
  kind: string | undefined,
  flags: PushFlags & Record<string, unknown>,
): ObsMintRequest {
  if (!providerId || !kind) {
    throw new InputError(
      'Say what to mint (for example: keycast obs push antmedia publish --key K --stream S --host H), or push given values with --server URL --stream-key -.',
    );
  }
  if (!flags.key) throw new InputError('keycast obs push needs --key: the vault key to sign with.');
  return {
    provider: providerId,
    kind,
    key: flags.key,
    params: paramsFrom(flags, OWN_FLAGS),
    ttlSeconds: flags.ttl ? parseDuration(flags.ttl) : undefined,
    whip: flags.whip,
  };
}

async function mint(
  vault: Vault,
  providerId: string | undefined,
  kind: string | undefined,
  flags: PushFlags & Record<string, unknown>,
): Promise<{ service: ObsService; expiresAt: string | null }> {
  const minted = await mintForObs(vault, mintRequest(providerId, kind, flags));
  for (const message of minted.warnings) warn(message);
  return minted;
}

/** `--server URL --stream-key -`: values the person has, the key read from standard input. */
async function givenService(flags: PushFlags): Promise<ObsService> {
  if (flags.streamKey !== '-') {
    throw new InputError(
      'With --server, pass --stream-key - and give the stream key on standard input (never on the command line, where other users can see it).',
    );
  }
  const server = flags.server!;
  if (!/^(rtmps?|srt|https?):\/\/\S+$/i.test(server)) {
    throw new InputError(
      `--server must be a URL like rtmp://host/app (WHIP: https://host/whip), not "${server}".`,
    );
  }
  const key = (await readInput('-', flags.whip ? 'WHIP bearer token' : 'stream key')).trim();
  if (key === '' || /\s/.test(key)) {
    throw new InputError(
      'The stream key read from standard input is empty or holds spaces or line breaks.',
    );
  }
  return flags.whip
    ? { type: 'whip_custom', server, bearerToken: key }
    : { type: 'rtmp_custom', server, key };
}

function serviceLabel(service: ObsService): string {
  return service.type === 'rtmp_custom' ? 'custom RTMP' : 'WHIP';
}

function describeStatus(status: ObsStatus): string[] {
  return [
    `OBS ${status.obsVersion}, obs-websocket ${status.websocketVersion}${status.whip ? '' : ' (no WHIP: OBS 30+)'}`,
    status.reconnecting
      ? 'Streaming: reconnecting'
      : status.streaming
        ? 'Streaming: live'
        : 'Streaming: no',
    `Service: ${status.serviceType}${status.server ? `, server ${status.server}` : ''}`,
  ];
}
