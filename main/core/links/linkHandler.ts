import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMetrics } from './metrics.ts';
import { confirmPage, PAGES, type Page } from './pages.ts';
import type { ServerLimits } from './server.ts';
import type { LinkService } from './service.ts';
import type { Refusal } from './types.ts';

/** The `/l/<id>` answers: HEAD peeks, GET follows or shows the confirm page, POST confirms. */
export class LinkHandler {
  private readonly service: LinkService;
  private readonly metrics: ServerMetrics;
  private readonly limits: ServerLimits;

  constructor(service: LinkService, metrics: ServerMetrics, limits: ServerLimits) {
    this.service = service;
    this.metrics = metrics;
    this.limits = limits;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    client: string,
  ): Promise<string> {
    const now = new Date();
    switch (req.method) {
      case 'HEAD': {
        // Never counts and never mints: mail scanners and link previews send HEAD.
        const peeked = await this.service.peek(id, now);
        res.writeHead(peeked.ok ? 200 : statusOf(peeked.outcome)).end();
        return peeked.ok ? 'usable' : peeked.outcome;
      }
      case 'GET': {
        const peeked = await this.service.peek(id, now);
        if (peeked.ok && peeked.link.confirm) {
          await this.service.recordView(peeked.link, {
            address: client,
            userAgent: req.headers['user-agent'],
            now,
          });
          this.metrics.click('confirm-page');
          const nonce = await this.service.confirmNonce(id, now);
          return sendPage(res, confirmPage(nonce), 'confirm-page');
        }
        // A refused peek is followed too, at the same instant, so the refusal is recorded with its
        // link: a refusal at `now` stays one (revoked, closed and used up never come back, and
        // the window is checked at the same `now`), so this never counts a confirm link's GET.
        return this.follow(req, res, id, client, now, 302);
      }
      case 'POST': {
        const body = await readBody(req, this.limits.maxBodyBytes);
        if (body === null) {
          res.setHeader('Connection', 'close');
          return sendPage(res, PAGES.tooLarge, 'too-large');
        }
        const nonce = new URLSearchParams(body).get('nonce') ?? '';
        if (!(await this.service.checkNonce(id, nonce, now))) {
          return sendPage(res, PAGES.expiredForm, 'bad-nonce');
        }
        return this.follow(req, res, id, client, now, 303);
      }
      default:
        res.setHeader('Allow', 'GET, HEAD, POST');
        return sendPage(res, PAGES.methodNotAllowed, 'method-not-allowed');
    }
  }

  private async follow(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    client: string,
    now: Date,
    status: 302 | 303,
  ): Promise<string> {
    const started = performance.now();
    const result = await this.service.follow(id, {
      address: client,
      userAgent: req.headers['user-agent'],
      now,
    });
    const outcome = result.ok ? 'redirected' : result.outcome;
    this.metrics.click(outcome);
    if (result.ok || result.outcome === 'error') {
      this.metrics.minted((performance.now() - started) / 1000);
    }
    if (!result.ok) {
      return sendPage(
        res,
        result.outcome === 'error' ? PAGES.unavailable : pageOf(result.outcome),
        outcome,
      );
    }
    // §33: the Location is the service's, built from the stored link; nothing of the request is in it.
    res.writeHead(status, { Location: result.location, 'Content-Length': '0' }).end();
    return outcome;
  }
}

function statusOf(outcome: 'unknown' | Refusal): 404 | 410 {
  return outcome === 'unknown' ? 404 : 410;
}

function pageOf(outcome: 'unknown' | Refusal): Page {
  return outcome === 'unknown' ? PAGES.notFound : PAGES.gone;
}

export function sendPage(res: ServerResponse, page: Page, outcome: string): string {
  res
    .writeHead(page.status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(page.html)),
    })
    .end(page.html);
  return outcome;
}

/**
 * The form body, or null when it is larger than `max`. A declared length over it is refused before
 * reading; a chunked body that grows past it stops being read (the connection is dropped).
 */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
