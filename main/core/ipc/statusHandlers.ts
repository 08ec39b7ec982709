import { collectStatus } from '../lifecycle/status.ts';
import { rotationSource, type RotationSource } from '../lifecycle/statusSources.ts';
import type { Vault } from '../vault/vault.ts';
import type { Handlers } from './dispatch.ts';

export type StatusAction = 'statusReport';

export type StatusHandlers = Pick<Handlers, StatusAction>;

/** Overrides for tests: the time the report is for, where rotations are read. */
export interface StatusDeps {
  now?: () => Date;
  rotations?: RotationSource;
}

/** The banner's report: the same as `keycast status`, names and dates only, never key material. */
export function createStatusHandlers(vault: Vault, deps: StatusDeps = {}): StatusHandlers {
  return {
    statusReport() {
      return collectStatus(vault, {
        now: deps.now?.() ?? new Date(),
        rotations: deps.rotations ?? rotationSource,
      });
    },
  };
}
