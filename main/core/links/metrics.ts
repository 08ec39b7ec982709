import { Counter, Histogram, Registry } from 'prom-client';
import { CLICK_OUTCOMES, type ClickOutcome } from './types.ts';

/**
 * What `/metrics` shows, in a registry of its own (not prom-client's global one), so the app can
 * start, stop and start a server again and tests can run several in one process.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly clicks = new Counter({
    name: 'keycast_link_clicks_total',
    help: 'Requests for a redirect link, by outcome (redirected, confirm-page, unknown, revoked, not-yet-valid, expired, used-up, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly mintSeconds = new Histogram({
    name: 'keycast_link_mint_seconds',
    help: 'Time to count a use, mint the token and record the click, for clicks that minted.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly limited = new Counter({
    name: 'keycast_rate_limited_total',
    help: 'Requests answered 429 because their client went over the rate limit.',
    registers: [this.registry],
  });

  constructor() {
    // Every outcome is shown from the start, at 0, so a dashboard's rate() has a series to work on.
    for (const outcome of CLICK_OUTCOMES) this.clicks.inc({ outcome }, 0);
  }

  click(outcome: ClickOutcome): void {
    this.clicks.inc({ outcome });
  }

  minted(seconds: number): void {
    this.mintSeconds.observe(seconds);
  }

  rateLimited(): void {
    this.limited.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
