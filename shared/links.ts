/** What a redirect-link click came to: one list for the core's records, the metrics and the IPC contract. */
export const CLICK_OUTCOMES = [
  'redirected',
  'confirm-page',
  'unknown',
  'revoked',
  'not-yet-valid',
  'expired',
  'used-up',
  'error',
] as const;
export type ClickOutcome = (typeof CLICK_OUTCOMES)[number];
