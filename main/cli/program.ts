import { Command } from 'commander';

export const VERSION = '0.1.0';

/**
 * The top-level commands. Only the one being run is loaded (with zod, jose, the keychain and the
 * database behind it); the others are listed by name and description for --help. That keeps
 * `keycast --version` and `keycast token mint` close to Node's own start-up time.
 */
const COMMANDS: readonly { name: string; description: string; load: () => Promise<Command> }[] = [
  {
    name: 'keys',
    description: 'generate, import, list, export and delete signing keys',
    load: async () => (await import('./keysCommands.ts')).keysCommand(),
  },
  {
    name: 'token',
    description: 'mint and inspect JWTs',
    load: async () => (await import('./tokenCommands.ts')).tokenCommand(),
  },
  ...(['mint', 'links', 'upload', 'credentials', 'templates'] as const).map((name) => ({
    name,
    description: {
      mint: 'mint a provider token and its links',
      links: 'build the links for a token minted earlier',
      upload: "put a key's public part where a provider checks tokens",
      credentials: 'provider API tokens, kept in the system keychain',
      templates: 'custom-provider templates',
    }[name],
    load: async () => {
      const commands = await import('./providerCommands.ts');
      return {
        mint: commands.mintCommand,
        links: commands.linksCommand,
        upload: commands.uploadCommand,
        credentials: commands.credentialsCommand,
        templates: commands.templatesCommand,
      }[name]();
    },
  })),
  {
    name: 'redirects',
    description:
      'links that mint a fresh token on every click: create, list, import a CSV, revoke…',
    load: async () => (await import('./redirectCommands.ts')).redirectsCommand(),
  },
  {
    name: 'serve',
    description: 'serve redirect links: each click mints a fresh token (127.0.0.1 by default)',
    load: async () => (await import('./serveCommand.ts')).serveCommand(),
  },
  {
    name: 'obs',
    description: 'put a fresh publish token into OBS over obs-websocket; status; keep it fresh',
    load: async () => (await import('./obsCommands.ts')).obsCommand(),
  },
  {
    name: 'status',
    description:
      'what expires within 30 days or waits for you (exit 1 when something does): for cron and monitoring',
    load: async () => (await import('./statusCommand.ts')).statusCommand(),
  },
  {
    name: 'maintain',
    description:
      'carry out due key rotations and retirements (for cron or a systemd timer); exit 1 when one fails',
    load: async () => (await import('./rotationCommands.ts')).maintainCommand(),
  },
  {
    name: 'activity',
    description:
      'every token minted and every key event: list, filter, export (CSV), verify the chain, prune',
    load: async () => (await import('./activityCommands.ts')).activityCommand(),
  },
  ...(['doctor', 'backup', 'restore'] as const).map((name) => ({
    name,
    description: {
      doctor:
        'check the data folder: database integrity, missing or orphaned keychain items, quarantined records',
      backup:
        'write an encrypted backup (all keys, or the ones named) with credentials and templates',
      restore: 'restore an encrypted backup into this data folder and keychain',
    }[name],
    load: async () => {
      const commands = await import('./vaultCommands.ts');
      return {
        doctor: commands.doctorCommand,
        backup: commands.backupCommand,
        restore: commands.restoreCommand,
      }[name]();
    },
  })),
];

export const COMMAND_NAMES = COMMANDS.map((c) => c.name);

/** The program for these arguments: the command they name is loaded in full, the rest only listed. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('keycast')
    .description('Keys in the OS keychain, JWTs signed locally, for live video platforms.')
    .version(VERSION)
    .option('--home <DIR>', 'data folder (default: $KEYCAST_HOME, else the Keycast app folder)')
    .showHelpAfterError('(run with --help for usage)');
  const wanted = commandNamed(argv.slice(2));
  for (const entry of COMMANDS) {
    const command =
      entry.name === wanted ? await entry.load() : new Command(entry.name).allowUnknownOption();
    program.addCommand(command.description(entry.description));
  }
  return program;
}

/** The first word that is not an option or an option's value (`--home DIR`); `help X` means X. */
function commandNamed(args: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--home') i += 1;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words[0] === 'help' ? words[1] : words[0];
}
