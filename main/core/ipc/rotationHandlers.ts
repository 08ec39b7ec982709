import { InputError } from '../errors.ts';
import {
  continueRotation,
  findOpenRotation,
  startRotation,
  type RotationEnv,
} from '../lifecycle/rotation.ts';
import { describeStep, outcomeView, planRotation } from '../lifecycle/rotationDescribe.ts';
import { platformsOf } from '../lifecycle/rotationPlatforms.ts';
import type { PlatformClients } from '../lifecycle/rotationSteps.ts';
import type { Vault } from '../vault/vault.ts';
import type { Handlers } from './dispatch.ts';
import type { Jobs } from './jobs.ts';

export type RotationAction = 'rotationPlan' | 'startRotation' | 'continueRotation';

export type RotationHandlers = Pick<Handlers, RotationAction>;

/** Overrides for tests: the clock, the API clients. */
export interface RotationDeps {
  now?: () => Date;
  clients?: PlatformClients;
  /** The Kinescope API's address (KEYCAST_KINESCOPE_API_URL in the app; a contract server in tests). */
  kinescopeApi?: string;
}

/**
 * The "Rotate…" wizard: the plan (each step and what it does on the platform), then start,
 * resume and confirm as jobs whose progress names each step as it is done. The same engine as
 * `keycast keys rotate`; nothing secret crosses (an Ant Media secret goes through copyKeySecret).
 */
export function createRotationHandlers(
  vault: Vault,
  jobs: Jobs,
  deps: RotationDeps = {},
): RotationHandlers {
  const env = (progress: (stage: string) => void): RotationEnv => ({
    vault,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.clients ? { clients: deps.clients } : {}),
    afterStep: (step, rotation) =>
      progress(`Done: ${describeStep(step, { ...rotation, switchAt: null }).title}`),
  });
  return {
    rotationPlan({ id }) {
      return planRotation(vault, id, deps.now?.() ?? new Date());
    },

    startRotation(request) {
      return jobs.run(request.jobId, async (job) => {
        const record = vault.find(request.id);
        const platforms = platformsOf(record);
        if (request.switchAt !== undefined && Number.isNaN(Date.parse(request.switchAt)))
          throw new InputError('The switch time is not a date: choose one in the calendar.');
        job.progress('Making the successor…');
        const outcome = await startRotation(
          env((stage) => job.progress(stage)),
          record.id,
          {
            overlapSeconds: request.overlapSeconds,
            switchAt: request.switchAt === undefined ? undefined : new Date(request.switchAt),
            apiUrl: platforms.includes('kinescope') ? deps.kinescopeApi : undefined,
            nativeframe: request.projectId
              ? { projectId: request.projectId, aud: request.aud ?? [], roles: request.roles ?? [] }
              : undefined,
          },
        );
        return outcomeView(outcome);
      });
    },

    continueRotation({ jobId, id, confirm }) {
      return jobs.run(jobId, async (job) => {
        const rotation = findOpenRotation(vault, id);
        job.progress(confirm ? 'Switching…' : 'Carrying on…');
        return outcomeView(
          await continueRotation(
            env((stage) => job.progress(stage)),
            rotation.id,
            { confirm },
          ),
        );
      });
    },
  };
}
