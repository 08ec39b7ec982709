import { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { decodeClaimsUnverified } from '../core/tokens/inspect.ts';
import { parseDuration, parseExpiry } from '../core/time.ts';
import { PROVIDER_IDS, providerById } from '../core/providers/index.ts';
import { mintForProvider } from '../core/providers/mint.ts';
import {
  checkCredentialForm,
  defaultUploadExpiry,
  deleteFromKinescope,
  kinescopeClientFor,
  uploadToKinescope,
} from '../core/providers/kinescope.ts';
import {
  NATIVEFRAME_CREDENTIAL,
  NativeFrameClient,
  registerIssuer,
} from '../core/providers/nativeframe.ts';
import { deleteTemplate, saveTemplate, storedTemplates } from '../core/providers/custom.ts';
import type { Links, RawParams } from '../core/providers/types.ts';
import { readJsonInput } from '../core/json.ts';
import { openVault } from './context.ts';
import {
  collect,
  printJson,
  printLines,
  readInput,
  readTokenArgument,
  table,
  warn,
  note,
} from './io.ts';

/** Every provider's flags (names fixed so scripts can rely on them); each provider reads its own. */
export function addProviderFlags(command: Command): Command {
  return command
    .option('--stream <ID>', 'Ant Media: stream id')
    .option('--host <HOST[:PORT]>', 'Ant Media: server host, optional web port; MediaMTX: host')
    .option('--app <NAME>', 'Ant Media: application (default LiveApp)')
    .option('--tls', 'Ant Media: https/wss links on 5443 (default); MediaMTX: https links')
    .option('--no-tls', 'Ant Media: http/ws links on 5080; MediaMTX: http links (default)')
    .option('--rtmp-port <PORT>', 'Ant Media publish, MediaMTX: RTMP port (default 1935)')
    .option('--rtmps-port <PORT>', 'Ant Media publish: RTMPS port (default 8443)')
    .option('--srt-port <PORT>', 'Ant Media publish: SRT port (default 4200)')
    .option('--path <PATH>', 'MediaMTX: path, e.g. live/cam1')
    .option('--rtsp-port <PORT>', 'MediaMTX: RTSP port (default 8554)')
    .option('--hls-port <PORT>', 'MediaMTX read: HLS port (default 8888)')
    .option('--webrtc-port <PORT>', 'MediaMTX: WebRTC (WHIP, WHEP) port (default 8889)')
    .option('--playback-port <PORT>', 'MediaMTX playback: playback server port (default 9996)')
    .option('--event <ID>', 'Kinescope: live event id')
    .option('--user-id <ID>', 'Kinescope, Native Frame: user id')
    .option('--username <NAME>', 'Kinescope: name shown in chat')
    .option('--nbf <UNIX>', 'Kinescope: not valid before (Unix seconds)')
    .option('--app-id <ID>', 'Vonage: application id (or stored on the key)')
    .option('--session <ID>', 'Vonage: session id')
    .option(
      '--role <R>',
      'Vonage: role; Frameable, Native Frame service: role (repeatable)',
      collect,
    )
    .option('--data <TEXT>', 'Vonage: connection data (≤ 1000 characters)')
    .option('--layout-class <C>', 'Vonage: initial layout class (repeatable)', collect)
    .option('--display-name <N>', 'Frameable, Native Frame: display name')
    .option('--email <E>', 'Frameable: email')
    .option('--avatar-url <U>', 'Frameable: avatar image URL')
    .option('--profile <k=v>', 'Frameable: profile entry (repeatable)', collect)
    .option('--event-url <URL>', 'Frameable: the event URL the link opens')
    .option('--scope <S>', 'Native Frame: scope (repeatable)', collect)
    .option('--project-id <ID>', 'Native Frame: project id')
    .option('--org <SLUG>', 'Native Frame: organization slug')
    .option(
      '--nf-kid <KID>',
      "Native Frame: the kid of Native Frame's managed key (video, service)",
    )
    .option('--iss <ISS>', 'Native Frame issuer: the registered issuer')
    .option('--aud <AUD>', 'Native Frame issuer: audience (repeatable)', collect)
    .option(
      '--scope-claim <NAME>',
      'Native Frame issuer: claim that carries scopes (default "scopes")',
    )
    .option('--set <name=value>', 'custom: fill a template placeholder (repeatable)', collect)
    .option('--api-url <URL>', "override the provider API's address (self-hosted or testing)");
}

const NOT_PARAMS = new Set(['key', 'ttl', 'json', 'token', 'apiUrl', 'home']);

/** The provider parameters among a command's options; `also` names the command's own options. */
export function paramsFrom(
  options: Record<string, unknown>,
  also: readonly string[] = [],
): RawParams {
  const params: RawParams = {};
  for (const [name, value] of Object.entries(options)) {
    if (NOT_PARAMS.has(name) || also.includes(name) || value === undefined) continue;
    params[name] = value as RawParams[string];
  }
  return params;
}

/** Links for people: one line each, objects (OBS, WebRTC, WHIP) as labelled fields. */
export function describeLinks(links: Links): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(links)) {
    if (typeof value === 'string') lines.push(`${name}: ${value}`);
    else {
      lines.push(`${name}:`);
      for (const [field, inner] of Object.entries(value)) lines.push(`  ${field}: ${inner}`);
    }
  }
  return lines;
}

export function mintCommand(): Command {
  return addProviderFlags(
    new Command('mint')
      .description(`mint a provider token and its links (${PROVIDER_IDS.join(', ')})`)
      .argument('<provider>')
      .argument(
        '<kind>',
        'token kind, e.g. publish, play, rest, chat, client, attendee, video, issuer, or a template name',
      )
      .option('--key <key>', 'vault key to sign with (id, kid or name)')
      .option('--ttl <DURATION>', "lifetime, e.g. 5m, 1h, 24h (default: the provider's)")
      .option('--json', 'print {token, header, claims, expiresAt, links, verified}'),
  ).action(
    async (
      providerId: string,
      kind: string,
      options: Record<string, unknown>,
      command: Command,
    ) => {
      const vault = openVault(command);
      const provider = providerById(providerId, vault);
      const result = await mintForProvider(provider, vault, {
        kind,
        key: options.key as string | undefined,
        params: paramsFrom(options),
        ttlSeconds: typeof options.ttl === 'string' ? parseDuration(options.ttl) : undefined,
        remote: { apiBase: options.apiUrl as string | undefined },
      });
      for (const message of result.warnings) warn(message);
      if (options.json) {
        const { token, header, claims, expiresAt, links, verified } = result;
        return printJson({ token, header, claims, expiresAt, links, verified });
      }
      printLines([
        result.token,
        ...(result.verified
          ? []
          : [
              `UNVERIFIED: issued by ${provider.name}'s API; Keycast holds no key to check its signature.`,
            ]),
        ...(result.expiresAt ? [`expires ${result.expiresAt}`] : []),
        ...describeLinks(result.links),
      ]);
    },
  );
}

export function linksCommand(): Command {
  return addProviderFlags(
    new Command('links')
      .description('build the links for a token minted earlier')
      .argument('<provider>')
      .requiredOption('--token <jwt|->', 'the token, or "-" to read it from standard input')
      .option('--json', 'print the links as JSON'),
  ).action(async (providerId: string, options: Record<string, unknown>, command: Command) => {
    const token = await readTokenArgument(options.token as string);
    const provider = providerById(providerId, openVault(command));
    if (!provider.linksFor)
      throw new InputError(
        `${provider.name} tokens have no links: they are used in API calls and SDKs.`,
      );
    const { links, warnings } = provider.linksFor(
      token,
      decodeClaimsUnverified(token),
      paramsFrom(options),
    );
    for (const message of warnings) warn(message);
    if (options.json) return printJson(links);
    printLines(describeLinks(links));
  });
}

interface UploadFlags {
  key?: string;
  expires?: string;
  list?: boolean;
  delete?: string;
  enableChat?: string;
  apiUrl?: string;
  iss?: string;
  projectId?: string;
  aud?: string[];
  role?: string[];
  json?: boolean;
}

export function uploadCommand(): Command {
  const upload = new Command('upload').description(
    "put a key's public part where a provider checks tokens",
  );
  upload
    .command('kinescope')
    .description('upload a public JWK to Kinescope (or --list, --delete ID, --enable-chat EVENT)')
    .option('--key <key>', 'the vault key to upload')
    .option(
      '--expires <DATE>',
      "expires_at for Kinescope (default: the key's expiry, else one year)",
    )
    .option('--list', 'list the keys Kinescope holds')
    .option('--delete <ID>', 'delete a key at Kinescope by its Kinescope id')
    .option('--enable-chat <EVENT>', "require JWTs in this live event's chat")
    .option('--api-url <URL>', "override Kinescope's API address")
    .option('--json', 'machine-readable output')
    .action(async (flags: UploadFlags, command: Command) => {
      const vault = openVault(command);
      const client = await kinescopeClientFor(vault, { baseUrl: flags.apiUrl });
      if (flags.list) {
        const keys = await client.listKeys();
        if (flags.json) return printJson(keys);
        return printLines(
          keys.length
            ? table(
                ['ID', 'KID', 'ALG', 'EXPIRES'],
                keys.map((k) => [k.id, k.kid, k.alg ?? '-', k.expires_at ?? '-']),
              )
            : ['Kinescope holds no keys.'],
        );
      }
      if (flags.delete) {
        const record = await deleteFromKinescope(client, vault, flags.delete);
        return printLines([
          `Deleted ${flags.delete} at Kinescope${record ? ` (key "${record.name}")` : ''}.`,
        ]);
      }
      if (flags.key) {
        const record = vault.find(flags.key);
        const expiresAt = flags.expires ? parseExpiry(flags.expires) : defaultUploadExpiry(record);
        const updated = await uploadToKinescope(client, vault, record, expiresAt);
        const upload = updated.uploads!.at(-1)!;
        if (flags.json)
          printJson({ key: updated.id, kid: updated.kid, remoteId: upload.remoteId, expiresAt });
        else
          printLines([
            `Uploaded "${updated.name}" (kid ${updated.kid}) to Kinescope as ${upload.remoteId}, expires ${expiresAt}; read back and matched.`,
          ]);
      }
      if (flags.enableChat) {
        await client.enableChatJwt(flags.enableChat);
        printLines([`Chat JWT is now required for event ${flags.enableChat}.`]);
      }
      if (!flags.key && !flags.enableChat)
        throw new InputError(
          'Say what to do: --key K to upload, --list, --delete ID or --enable-chat EVENT.',
        );
    });

  upload
    .command('nativeframe')
    .description('register vault keys as a Native Frame external issuer')
    .requiredOption('--key <key>', 'the vault key to register (repeatable)', collect)
    .requiredOption('--iss <ISS>', 'issuer name the tokens will carry')
    .requiredOption('--project-id <ID>', 'Native Frame project id')
    .option('--aud <AUD>', 'accepted audience (repeatable)', collect)
    .option('--role <R>', 'allowed role (repeatable; none allows all)', collect)
    .option('--api-url <URL>', "override Native Frame's API address")
    .action(async (flags: UploadFlags & { key: string[] }, command: Command) => {
      const vault = openVault(command);
      const api = new NativeFrameClient(await vault.credential(NATIVEFRAME_CREDENTIAL), {
        baseUrl: flags.apiUrl,
      });
      const records = flags.key.map((ref) => vault.find(ref));
      await registerIssuer(api, vault, records, {
        iss: flags.iss!,
        projectId: flags.projectId!,
        aud: flags.aud ?? [],
        roles: flags.role ?? [],
      });
      printLines([
        `Registered ${records.map((r) => `"${r.name}"`).join(', ')} as issuer ${flags.iss}.`,
      ]);
    });
  return upload;
}

export function credentialsCommand(): Command {
  const credentials = new Command('credentials').description(
    'provider API tokens, kept in the system keychain',
  );
  credentials
    .command('set <name>')
    .description('store a credential read from standard input (never from the command line)')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const vault = openVault(command);
      const secret = (await readInput('-', `${name} credential`)).trim();
      checkCredentialForm(name, secret);
      await vault.setCredential(name, secret);
      note(`Stored credential "${name}" in the system keychain.`);
    });
  credentials
    .command('list')
    .option('--json', 'machine-readable output')
    .action((flags: { json?: boolean }, command: Command) => {
      const names = openVault(command).credentialNames();
      if (flags.json) return printJson(names);
      printLines(names.length ? names.map((n) => `${n}  ••••••••`) : ['No credentials stored.']);
    });
  credentials
    .command('delete <name>')
    .action(async (name: string, _flags: unknown, command: Command) => {
      await openVault(command).deleteCredential(name);
      note(`Deleted credential "${name}".`);
    });
  return credentials;
}

export function templatesCommand(): Command {
  const templates = new Command('templates').description('custom-provider templates');
  templates
    .command('add <file>')
    .description('save a template from a JSON file (or "-"); it is validated first')
    .action(async (file: string, _flags: unknown, command: Command) => {
      const template = saveTemplate(
        openVault(command),
        readJsonInput(await readInput(file, 'template'), 'template'),
      );
      note(
        `Saved template "${template.name}": keycast mint custom ${template.name} --key K --set …`,
      );
    });
  templates
    .command('list')
    .option('--json', 'machine-readable output')
    .action((flags: { json?: boolean }, command: Command) => {
      const { templates: saved, broken } = storedTemplates(openVault(command));
      if (flags.json) return printJson([...saved, ...broken.map((t) => ({ ...t, broken: true }))]);
      printLines(
        saved.length + broken.length
          ? table(
              ['NAME', 'ALG', 'TTL', 'MAX'],
              [
                ...saved.map((t) => [t.name, t.alg, `${t.ttl.default}s`, `${t.ttl.max}s`]),
                ...broken.map((t) => [t.name, 'BROKEN', t.reason, '']),
              ],
            )
          : ['No templates saved.'],
      );
      for (const t of broken)
        warn(
          `Template "${t.name}" cannot be used (${t.reason}): save a fixed version or delete it.`,
        );
    });
  templates.command('delete <name>').action((name: string, _flags: unknown, command: Command) => {
    deleteTemplate(openVault(command), name);
    note(`Deleted template "${name}".`);
  });
  return templates;
}
