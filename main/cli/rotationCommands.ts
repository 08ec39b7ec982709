import { Command } from 'commander';
import type { GuideStep } from '../../shared/ipc.ts';
import { writeSecretFile } from '../core/backup/file.ts';
import { InputError } from '../core/errors.ts';
import { maintain } from '../core/lifecycle/maintain.ts';
import { clearPolicy, policyFor, setPolicy, type PolicyView } from '../core/lifecycle/policies.ts';
import {
  continueRotation,
  describeRotation,
  findOpenRotation,
  startRotation,
  unfinishedRotations,
  type RotationOutcome,
} from '../core/lifecycle/rotation.ts';
import { platformsOf } from '../core/lifecycle/rotationPlatforms.ts';
import type { RotationParams } from '../core/lifecycle/rotationStore.ts';
import { formatSpan, parseDuration, parseExpiry } from '../core/time.ts';
import type { Vault } from '../core/vault/vault.ts';
import { openVault } from './context.ts';
import { collect, note, printJson, printLines } from './io.ts';

interface RotateFlags {
  overlap?: string;
  at?: string;
  apiUrl?: string;
  projectId?: string;
  aud?: string[];
  role?: string[];
  secretOut?: string;
  resume?: boolean;
  confirm?: boolean;
  confirmPasted?: boolean;
  json?: boolean;
}

/** Native Frame's issuer settings from the flags, when a project id is given. */
function nativeframeFrom(flags: RotateFlags): RotationParams['nativeframe'] {
  return flags.projectId
    ? { projectId: flags.projectId, aud: flags.aud ?? [], roles: flags.role ?? [] }
    : undefined;
}

/** An Ant Media successor's secret, handed out once in a new 0600 file to paste into the server. */
async function writeSuccessorSecret(
  vault: Vault,
  outcome: RotationOutcome,
  file: string,
): Promise<void> {
  const successor = outcome.rotation.successor;
  if (!outcome.rotation.platforms.includes('antmedia') || !successor) {
    throw new InputError(
      '--secret-out is for Ant Media rotations, whose new secret is pasted into the server.',
    );
  }
  if (outcome.rotation.completedAt) {
    throw new InputError(
      `The rotation of "${outcome.rotation.name}" is finished: the secret was handed out then.`,
    );
  }
  const text = await vault.sharedSecretText(vault.find(successor.id));
  writeSecretFile(file, `${text}\n`, 'secret');
}

function printOutcome(outcome: RotationOutcome, secretFile: string | undefined): void {
  const lines = [
    `Rotation of ${describeRotation(outcome.rotation)}`,
    ...outcome.done.map((line) => `  done: ${line}`),
  ];
  if (outcome.instructions.length > 0) {
    lines.push('What to do:');
    outcome.instructions.forEach((step, i) =>
      lines.push(...instructionLines(step, i + 1, secretFile)),
    );
  }
  if (outcome.waiting) lines.push(`Next: ${outcome.waiting.message}`);
  else if (outcome.rotation.completedAt) lines.push('The rotation is complete.');
  printLines(lines);
}

function instructionLines(step: GuideStep, n: number, secretFile: string | undefined): string[] {
  // The app copies a secret through the clipboard; the CLI hands it out in the --secret-out file.
  const detail = step.copiesSecret
    ? `${step.detail.replace(/ Keycast copies it[^.]*\./, '')} It is in ${secretFile ?? 'the file given with --secret-out'} (mode 0600): paste it, then delete the file.`
    : step.detail;
  return [
    `  ${n}. ${step.title} — ${detail}`,
    ...(step.value
      ? step.value
          .trimEnd()
          .split('\n')
          .map((l) => `       ${l}`)
      : []),
  ];
}

export function rotateCommand(): Command {
  return new Command('rotate')
    .description(
      'replace a key without downtime: successor, publish, switch, retire after the overlap (or --resume)',
    )
    .argument(
      '[key]',
      'the key to replace (id, kid or name); with --resume, the rotation to carry on',
    )
    .option(
      '--overlap <D>',
      "how long the old key keeps verifying after the switch (default: its provider's longest token)",
    )
    .option(
      '--at <DATE>',
      'switch no earlier than this (a date, date-time or duration); publish now',
    )
    .option('--api-url <URL>', "override the platform API's address (kept for --resume)")
    .option('--project-id <ID>', 'Native Frame issuer: the project id it is registered with')
    .option('--aud <AUD>', 'Native Frame issuer: accepted audience (repeatable)', collect)
    .option('--role <R>', 'Native Frame issuer: allowed role (repeatable)', collect)
    .option(
      '--secret-out <FILE>',
      'Ant Media: write the new secret to this new file (mode 0600) to paste into the server',
    )
    .option('--resume', 'carry on an interrupted or waiting rotation (all of them without a key)')
    .option('--confirm', 'with --resume: the one-key platform now holds the new key; switch')
    .option('--confirm-pasted', 'the same as --resume --confirm')
    .option('--json', 'machine-readable output')
    .action(async (ref: string | undefined, flags: RotateFlags, command: Command) => {
      const vault = openVault(command);
      const env = { vault };
      const confirm = Boolean(flags.confirm || flags.confirmPasted);
      if (flags.confirm && !flags.resume)
        throw new InputError('--confirm goes with --resume (or use --confirm-pasted).');
      if (flags.resume || flags.confirmPasted) {
        if (flags.overlap || flags.at || flags.projectId)
          throw new InputError(
            '--overlap, --at and --project-id are set when a rotation starts: --resume carries it on as it was started.',
          );
        if (!ref && (confirm || flags.secretOut))
          throw new InputError(
            'Name the key whose rotation to confirm: keycast keys rotate KEY --confirm-pasted.',
          );
        const rotations = ref ? [findOpenRotation(vault, ref)] : unfinishedRotations(vault);
        const outcomes: RotationOutcome[] = [];
        for (const rotation of rotations) {
          const outcome = await continueRotation(env, rotation.id, { confirm });
          if (flags.secretOut) await writeSuccessorSecret(vault, outcome, flags.secretOut);
          outcomes.push(outcome);
          if (!flags.json) printOutcome(outcome, flags.secretOut);
        }
        if (flags.json) return printJson(ref ? outcomes[0] : outcomes);
        if (rotations.length === 0) printLines(['No rotation is under way.']);
        return;
      }
      if (!ref) throw new InputError('Name the key to rotate: keycast keys rotate KEY.');
      const predecessor = vault.find(ref);
      if (platformsOf(predecessor).includes('antmedia') && !flags.secretOut) {
        throw new InputError(
          'Ant Media needs the new secret in its settings (jwtStreamSecretKey): pass --secret-out FILE to receive it once.',
        );
      }
      const outcome = await startRotation(env, predecessor.id, {
        overlapSeconds: flags.overlap ? parseDuration(flags.overlap) : undefined,
        switchAt: flags.at ? new Date(parseExpiry(flags.at)) : undefined,
        apiUrl: flags.apiUrl,
        nativeframe: nativeframeFrom(flags),
      });
      if (flags.secretOut) {
        try {
          await writeSuccessorSecret(vault, outcome, flags.secretOut);
        } catch (error) {
          note(
            `The rotation started, but the new secret could not be written: keycast keys rotate "${outcome.rotation.name}" --resume --secret-out ANOTHER_FILE hands it out.`,
          );
          throw error;
        }
      }
      if (flags.json) return printJson(outcome);
      printOutcome(outcome, flags.secretOut);
    });
}

interface PolicyFlags {
  rotateEvery?: string;
  overlap?: string;
  apiUrl?: string;
  projectId?: string;
  aud?: string[];
  role?: string[];
  clear?: boolean;
  json?: boolean;
}

function policyLines(policy: PolicyView | null, name: string): string[] {
  if (!policy) return [`"${name}" has no rotation policy.`];
  return [
    `"${policy.name}" rotates every ${formatSpan(policy.rotateEverySeconds)}, overlap ${policy.overlapSeconds === null ? "its provider's longest token" : formatSpan(policy.overlapSeconds)}`,
    `  signing since ${policy.since}; next rotation due ${policy.dueAt} (keycast maintain starts it)`,
  ];
}

export function policyCommand(): Command {
  return new Command('policy')
    .description('rotate a key on a schedule: keycast maintain starts the rotation when it is due')
    .argument('<key>', 'the key (id, kid or name)')
    .option('--rotate-every <D>', 'how often, e.g. 90d')
    .option('--overlap <D>', "overlap of each rotation (default: the provider's longest token)")
    .option('--api-url <URL>', "override the platform API's address")
    .option('--project-id <ID>', 'Native Frame issuer: the project id it is registered with')
    .option('--aud <AUD>', 'Native Frame issuer: accepted audience (repeatable)', collect)
    .option('--role <R>', 'Native Frame issuer: allowed role (repeatable)', collect)
    .option('--clear', 'remove the policy')
    .option('--json', 'machine-readable output')
    .action((ref: string, flags: PolicyFlags, command: Command) => {
      const vault = openVault(command);
      if (flags.clear) {
        const removed = clearPolicy(vault, ref);
        return note(
          removed
            ? `Removed the rotation policy of "${vault.find(ref).name}".`
            : `"${vault.find(ref).name}" had no rotation policy.`,
        );
      }
      let policy: PolicyView | null;
      if (flags.rotateEvery) {
        policy = setPolicy(vault, ref, {
          rotateEverySeconds: parseDuration(flags.rotateEvery),
          overlapSeconds: flags.overlap ? parseDuration(flags.overlap) : undefined,
          params: {
            ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
            ...(flags.projectId ? { nativeframe: nativeframeFrom(flags) } : {}),
          },
        });
      } else {
        if (flags.overlap || flags.projectId || flags.apiUrl)
          throw new InputError('Give --rotate-every with the policy, e.g. --rotate-every 90d.');
        policy = policyFor(vault, ref);
      }
      if (flags.json) return printJson(policy);
      printLines(policyLines(policy, vault.find(ref).name));
    });
}

export function maintainCommand(): Command {
  return new Command('maintain')
    .description(
      'carry out due key-lifecycle steps (for cron or a systemd timer): rotations by policy, retirements after the overlap, interrupted rotations',
    )
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const vault = openVault(command);
      const report = await maintain({ vault });
      if (flags.json) printJson(report);
      else printLines(report.actions.map((a) => `${a.kind} ${a.key}: ${a.message}`));
      // Cron and systemd see a failed step in the exit code; the rest was carried out.
      if (report.failed > 0) process.exitCode = 1;
    });
}
