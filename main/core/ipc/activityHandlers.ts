import type { RequestOf } from '../../../shared/ipc.ts';
import { writeSecretFile } from '../backup/file.ts';
import {
  activityCsv,
  keyRefs,
  MAX_LIMIT,
  parseSince,
  type ActivityFilter,
} from '../lifecycle/activityQuery.ts';
import type { Vault } from '../vault/vault.ts';
import type { Handlers } from './dispatch.ts';
import type { DesktopPorts } from './handlers.ts';

export type ActivityAction =
  'listActivity' | 'exportActivity' | 'verifyActivity' | 'saveActivitySettings' | 'pruneActivity';

export type ActivityHandlers = Pick<Handlers, ActivityAction>;

const PAGE = 200;

/**
 * The Activity screen: the same records, filters, verification and retention as `keycast
 * activity`. The export is written by main to the file the person chose (0600: the records name
 * people), never handed to the renderer as a file.
 */
export function createActivityHandlers(
  vault: Vault,
  ports: Pick<DesktopPorts, 'chooseSavePath'>,
): ActivityHandlers {
  const log = vault.activity;

  async function filterOf(
    request: RequestOf<'exportActivity'>,
  ): Promise<Omit<ActivityFilter, 'limit' | 'beforeId'>> {
    return {
      since: request.since ? parseSince(request.since) : undefined,
      keys: request.key ? keyRefs(vault, request.key) : undefined,
      provider: request.provider,
      kind: request.kind,
      event: request.event,
      source: request.source,
      subjects: request.subject ? await log.subjectForms(request.subject) : undefined,
    };
  }

  return {
    async listActivity(request) {
      const limit = request.limit ?? PAGE;
      // One more than asked: whether there is a next page, without counting the whole log.
      const records = log.query({
        ...(await filterOf(request)),
        beforeId: request.beforeId,
        limit: limit + 1,
      });
      return {
        records: records.slice(0, limit),
        more: records.length > limit,
        settings: log.settings(),
      };
    },

    async exportActivity(request) {
      const filter = await filterOf(request);
      const day = new Date().toISOString().slice(0, 10);
      const path = await ports.chooseSavePath(
        `keycast-activity-${day}.csv`,
        'Export the activity as CSV',
      );
      if (path === null) return { path: null, count: 0 };
      const records = log.query({ ...filter, limit: MAX_LIMIT });
      // The save dialog already asked whether to replace an existing file.
      writeSecretFile(path, activityCsv(records), 'activity export', { replace: true });
      return { path, count: records.length };
    },

    verifyActivity() {
      return log.verify();
    },

    async saveActivitySettings({ retentionDays, hashSubjects }) {
      if (hashSubjects !== undefined && hashSubjects !== log.settings().hashSubjects)
        await log.setHashSubjects(hashSubjects);
      if (retentionDays !== undefined && retentionDays !== log.settings().retentionDays)
        log.setRetention(retentionDays);
      return log.settings();
    },

    pruneActivity() {
      return log.prune();
    },
  };
}
