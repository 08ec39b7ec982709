import { Command, Option } from 'commander';
import { InputError } from '../core/errors.ts';
import { inspectToken, type Inspection } from '../core/tokens/inspect.ts';
import { mintToken } from '../core/tokens/mint.ts';
import { keysFromJwks, type VerificationKey } from '../core/tokens/verify.ts';
import { parseDuration, parseUnixSeconds } from '../core/time.ts';
import { readJsonInput } from '../core/json.ts';
import { openVault } from './context.ts';
import { collect, printJson, printLines, readInput, readTokenArgument } from './io.ts';

interface MintFlags {
  claim: string[];
  claimsJson?: string;
  ttl?: string;
  exp?: string;
  nbf?: string;
  iss?: string;
  sub?: string;
  aud: string[];
  jti: boolean;
  json?: boolean;
}

/** `k=v` sets a string; `k:=json` sets a JSON value (number, boolean, array, object). */
export function parseClaimFlag(flag: string): [string, unknown] {
  const json = /^([^=:]+):=(.*)$/s.exec(flag);
  if (json) return [json[1]!, readJsonInput(json[2]!, `value of claim "${json[1]}"`)];
  const text = /^([^=]+)=(.*)$/s.exec(flag);
  if (!text) throw new InputError(`--claim takes name=value (or name:=JSON), got "${flag}".`);
  return [text[1]!, text[2]!];
}

async function claimsFrom(flags: MintFlags): Promise<Record<string, unknown>> {
  let claims: Record<string, unknown> = {};
  if (flags.claimsJson) {
    const parsed = readJsonInput(await readInput(flags.claimsJson, 'claims JSON'), 'claims file');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InputError('The claims file must hold one JSON object, like {"role": "viewer"}.');
    }
    claims = parsed as Record<string, unknown>;
  }
  for (const flag of flags.claim) {
    const [name, value] = parseClaimFlag(flag);
    claims[name] = value;
  }
  return claims;
}

export function tokenCommand(): Command {
  const token = new Command('token').description('mint and inspect JWTs');

  token
    .command('mint <key>')
    .description('sign a JWT with a vault key (by id, kid or name)')
    .option(
      '--claim <k=v>',
      'a claim; repeatable; k:=JSON for numbers, booleans, arrays',
      collect,
      [],
    )
    .option('--claims-json <FILE>', 'claims from a JSON file, or "-" for standard input')
    .addOption(
      new Option('--ttl <DURATION>', 'lifetime: 90s, 15m, 2h, 7d (default 15m)').conflicts('exp'),
    )
    .option('--exp <UNIX>', 'absolute expiry in Unix seconds')
    .option('--nbf <UNIX>', 'not valid before, Unix seconds')
    .option('--iss <S>', 'issuer')
    .option('--sub <S>', 'subject')
    .option('--aud <S>', 'audience; repeatable', collect, [])
    .option('--no-jti', 'leave out the random token id')
    .option('--json', 'print {token, header, claims, expiresAt}')
    .action(async (ref: string, flags: MintFlags, command: Command) => {
      // Flags first: a bad time is refused before the keychain is asked for anything.
      const ttlSeconds = flags.ttl ? parseDuration(flags.ttl) : undefined;
      const exp = flags.exp ? parseUnixSeconds(flags.exp, '--exp') : undefined;
      const nbf = flags.nbf ? parseUnixSeconds(flags.nbf, '--nbf') : undefined;
      const claims = await claimsFrom(flags);
      const vault = openVault(command);
      const record = vault.find(ref);
      const signer = await vault.signer(record);
      const minted = await mintToken(signer, {
        claims,
        ttlSeconds,
        exp,
        nbf,
        iss: flags.iss,
        sub: flags.sub,
        aud: flags.aud.length === 0 ? undefined : flags.aud.length === 1 ? flags.aud[0] : flags.aud,
        jti: flags.jti,
      });
      await vault.activity.recordToken({
        route: 'token',
        keyId: record.id,
        kid: record.kid,
        provider: null,
        kind: null,
        claims: minted.claims,
        expiresAt: minted.expiresAt,
      });
      if (flags.json) return printJson(minted);
      process.stdout.write(`${minted.token}\n`);
    });

  token
    .command('inspect <token>')
    .description('decode a JWT ("-" reads standard input); verify it with --key or --jwks')
    .addOption(
      new Option('--key <key>', 'verify with this vault key (id, kid or name)').conflicts('jwks'),
    )
    .option('--jwks <FILE>', 'verify with the keys in this JWK or JWKS file')
    .option('--aud <S>', 'expected audience')
    .option('--iss <S>', 'expected issuer')
    .option('--json', 'print {valid, verified, header, claims, errors}')
    .action(
      async (
        source: string,
        flags: { key?: string; jwks?: string; aud?: string; iss?: string; json?: boolean },
        command: Command,
      ) => {
        const text = await readTokenArgument(source);
        let keys: VerificationKey[] | undefined;
        let keyLabel = '';
        if (flags.key) {
          const vault = openVault(command);
          const record = vault.find(flags.key);
          keys = [await vault.verifier(record)];
          keyLabel = `key "${record.name}" (${record.alg})`;
        } else if (flags.jwks) {
          keys = keysFromJwks(readJsonInput(await readInput(flags.jwks, 'JWKS'), 'JWKS file'));
          keyLabel = `${keys.length} key(s) from ${flags.jwks}`;
        }
        const result = await inspectToken(text, { keys, audience: flags.aud, issuer: flags.iss });
        if (flags.json) {
          const { valid, verified, header, claims, errors, reasons, times, clockToleranceSeconds } =
            result;
          printJson({
            valid,
            verified,
            header,
            claims,
            errors,
            reasons,
            times,
            clockToleranceSeconds,
          });
        } else {
          printLines(describeInspection(result, keyLabel));
        }
        if (!result.valid) process.exitCode = 1;
      },
    );

  return token;
}

function describeInspection(result: Inspection, keyLabel: string): string[] {
  const verdict = result.verified
    ? result.valid
      ? `VALID — signature verified with ${keyLabel}`
      : `INVALID — signature verified with ${keyLabel}, but:`
    : keyLabel
      ? `INVALID — not verified with ${keyLabel}:`
      : result.valid
        ? 'UNVERIFIED — decoded only; the signature was not checked (pass --key or --jwks)'
        : 'INVALID (UNVERIFIED — signature not checked):';
  const lines = [verdict, ...result.errors.map((e) => `  ✗ ${e}`)];
  if (result.header) lines.push('Header', ...indentJson(result.header));
  if (result.claims)
    lines.push(`Claims${result.verified ? '' : ' (unverified)'}`, ...indentJson(result.claims));
  const labels = { iat: 'Issued', nbf: 'Not before', exp: 'Expires' } as const;
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const time = result.times[name];
    if (time) lines.push(`${labels[name].padEnd(11)} ${time.iso} (${time.relative})`);
  }
  lines.push(`Clock tolerance ${result.clockToleranceSeconds} s`);
  return lines;
}

function indentJson(value: unknown): string[] {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `  ${line}`);
}
