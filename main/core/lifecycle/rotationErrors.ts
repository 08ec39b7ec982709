import { KeycastError } from '../errors.ts';

/** Another process (the app's timer, a cron job) is carrying out this rotation right now. */
export class RotationBusyError extends KeycastError {
  constructor(message: string) {
    super('environment', message);
  }
}
