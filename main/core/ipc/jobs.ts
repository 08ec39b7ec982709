import type { Progress } from '../../../shared/ipc.ts';
import { KeycastError } from '../errors.ts';

export class CancelledError extends KeycastError {
  constructor(what: string) {
    super('input', `${what} was cancelled; nothing was changed.`);
  }
}

export interface Job {
  signal: AbortSignal;
  progress(stage: string, fraction?: number | null): void;
  /** Throws CancelledError if the user cancelled; call before anything is committed. */
  checkpoint(what: string): void;
}

/**
 * Long work (RSA-4096 generation, uploads) runs as a job the UI can follow and cancel. Work that
 * cannot be interrupted (key generation on the thread pool) is abandoned: its result is dropped
 * at the next checkpoint, before anything is stored.
 */
export class Jobs {
  private readonly running = new Map<string, AbortController>();
  private readonly report: (progress: Progress) => void;

  constructor(report: (progress: Progress) => void) {
    this.report = report;
  }

  async run<T>(jobId: string, work: (job: Job) => Promise<T>): Promise<T> {
    if (this.running.has(jobId)) throw new KeycastError('input', 'That job is already running.');
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const job: Job = {
      signal: controller.signal,
      progress: (stage, fraction = null) => this.report({ jobId, stage, fraction }),
      checkpoint: (what) => {
        if (controller.signal.aborted) throw new CancelledError(what);
      },
    };
    try {
      return await work(job);
    } finally {
      this.running.delete(jobId);
    }
  }

  cancel(jobId: string): boolean {
    const controller = this.running.get(jobId);
    if (!controller) return false;
    controller.abort();
    return true;
  }
}
