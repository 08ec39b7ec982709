import type { LinkStatus } from '../../../shared/ipc.ts';
import type { RedirectLink, Refusal } from './types.ts';

/**
 * Why a link may not be used at `now`, or null when it may: revoked, before its window, after it,
 * or used up. One rule for the server's peek, the stores' refusals and every status shown.
 */
export function refusalAt(link: RedirectLink, now: Date): Refusal | null {
  const at = now.toISOString();
  if (link.revokedAt) return 'revoked';
  if (link.validFrom && at < link.validFrom) return 'not-yet-valid';
  if (link.validUntil && at >= link.validUntil) return 'expired';
  if (link.maxUses !== null && link.uses >= link.maxUses) return 'used-up';
  return null;
}

const WORDS: Record<Refusal, LinkStatus> = {
  revoked: 'revoked',
  'not-yet-valid': 'not yet valid',
  expired: 'expired',
  'used-up': 'used up',
};

/** A link's status in words, as the CLI and the app show it. */
export function statusOf(link: RedirectLink, now = new Date()): LinkStatus {
  const refusal = refusalAt(link, now);
  return refusal ? WORDS[refusal] : 'active';
}
