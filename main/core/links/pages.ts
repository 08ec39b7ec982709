/**
 * The headers every answer carries (SECURITY.md §34): nothing is cached (a redirect holds a fresh
 * token), no Referer leaks the link id to the destination, no sniffing, no framing. The pages
 * have no script; their form may post to this server only, and its answer may redirect to an https
 * destination (Chromium applies form-action to the redirect after a submit too).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'",
};

export interface Page {
  status: number;
  html: string;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}' +
  'h1{font-size:1.4rem}button{font:inherit;padding:.6rem 2rem;border:0;border-radius:.4rem;background:#2358d6;color:#fff;cursor:pointer}';

function page(status: number, title: string, body: string): Page {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title><style>${STYLE}</style></head><body><h1>${title}</h1>${body}</body></html>`,
  };
}

/**
 * Unknown, revoked, not yet open, closed or used up: one page (only the status differs), so the
 * page says nothing about which links exist or why one stopped.
 */
const UNUSABLE =
  '<p>This link cannot be used. It may have been mistyped, be outside the time it is valid, or have been used up.</p><p>Ask whoever sent it to you for a new one.</p>';

export const PAGES = {
  notFound: page(404, 'Link not available', UNUSABLE),
  gone: page(410, 'Link not available', UNUSABLE),
  expiredForm: page(
    403,
    'Please open the link again',
    '<p>This page was open too long or did not come from this server. Open the link from your invitation again and press Join.</p>',
  ),
  forbidden: page(403, 'Forbidden', '<p>This server does not answer for that address.</p>'),
  tooMany: page(
    429,
    'Too many requests',
    '<p>Too many requests came from your network. Wait a moment and try again.</p>',
  ),
  tooLarge: page(
    413,
    'Request too large',
    '<p>The request was larger than this server accepts.</p>',
  ),
  methodNotAllowed: page(
    405,
    'Method not allowed',
    '<p>This address does not take that method.</p>',
  ),
  unavailable: page(
    503,
    'Try again shortly',
    '<p>The server could not prepare your sign-in just now. Try the link again in a minute; if it keeps failing, tell whoever sent it.</p>',
  ),
} as const;

/**
 * The confirm step: a "Join" button that posts back to the same address with a nonce. The form
 * has no action, so nothing from the request is written into the page; the nonce is base36 and
 * base64url, escaped all the same.
 */
export function confirmPage(nonce: string): Page {
  return page(
    200,
    'Join',
    `<p>Press Join to continue to your event.</p><form method="post"><input type="hidden" name="nonce" value="${escapeHtml(nonce)}"><button type="submit">Join</button></form>`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
