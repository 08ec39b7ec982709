import type { ActivityEvent, ActivitySource } from '../../../../shared/activity.ts';
import type { ActivityRecordView, RequestOf } from '../../../../shared/ipc.ts';

/** The screen's filters as the person set them: empty means "any". */
export interface ActivityFilterState {
  since: string;
  key: string;
  provider: string;
  kind: string;
  event: '' | ActivityEvent;
  source: '' | ActivitySource;
  subject: string;
}

export const ANY: ActivityFilterState = {
  since: '7d',
  key: '',
  provider: '',
  kind: '',
  event: '',
  source: '',
  subject: '',
};

/** Since: a duration back from now, as `keycast activity --since` takes it; '' for all. */
export const SINCE_CHOICES: { value: string; label: string }[] = [
  { value: '1d', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '180d', label: 'Last 180 days' },
  { value: '', label: 'Everything kept' },
];

/** The request for these filters: empty fields are left out, text is trimmed. */
export function requestOf(filter: ActivityFilterState): RequestOf<'exportActivity'> {
  const text = (value: string): string | undefined => value.trim() || undefined;
  return {
    since: text(filter.since),
    key: text(filter.key),
    provider: text(filter.provider),
    kind: text(filter.kind),
    event: filter.event || undefined,
    source: filter.source || undefined,
    subject: text(filter.subject),
  };
}

const EVENT_TEXT: Record<string, string> = {
  'token-minted': 'token minted',
  'key-generated': 'key generated',
  'key-imported': 'key imported',
  'key-uploaded': 'key uploaded',
  'key-upload-deleted': 'upload deleted',
  'key-deleted': 'key deleted',
  'rotation-step': 'rotation step',
  backup: 'backup written',
  restore: 'backup restored',
  'activity-pruned': 'old records pruned',
  'activity-settings': 'activity settings',
};

const VIA_TEXT: Record<string, string> = {
  mint: 'Mint',
  redirect: 'redirect click',
  obs: 'for OBS',
  token: 'generic token',
};

/** "token minted · redirect click", "key deleted", or the event as written by a newer Keycast. */
export function eventText(record: Pick<ActivityRecordView, 'event' | 'detail'>): string {
  const text = EVENT_TEXT[record.event] ?? record.event;
  const via = typeof record.detail.via === 'string' ? VIA_TEXT[record.detail.via] : undefined;
  return via ? `${text} · ${via}` : text;
}

/** The detail as short `name=value` pairs, without the route already shown with the event. */
export function detailText(detail: ActivityRecordView['detail']): string {
  return Object.entries(detail)
    .filter(([name]) => name !== 'via')
    .map(([name, value]) => `${name}=${value === null ? '—' : String(value)}`)
    .join(' ');
}
