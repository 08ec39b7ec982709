import { useState } from 'react';
import { ACTIVITY_EVENTS, ACTIVITY_SOURCES } from '../../../../shared/activity.ts';
import type { KeyView, ProviderView } from '../../../../shared/ipc.ts';
import { SINCE_CHOICES, type ActivityFilterState } from './activityFilter.ts';

/**
 * The filters of `keycast activity`: the lists apply at once; kind and subject (typed) apply with
 * Show, or Enter.
 */
export function ActivityFilters({
  value,
  keys,
  providers,
  onChange,
}: {
  value: ActivityFilterState;
  keys: KeyView[];
  providers: ProviderView[];
  onChange: (filter: ActivityFilterState) => void;
}) {
  const [typed, setTyped] = useState({ kind: value.kind, subject: value.subject });
  const choose = (change: Partial<ActivityFilterState>): void =>
    onChange({ ...value, ...typed, ...change });
  return (
    <form
      className="panel"
      aria-label="Filter the activity"
      onSubmit={(event) => {
        event.preventDefault();
        choose({});
      }}
    >
      <div className="grid">
        <label>
          Since
          <select value={value.since} onChange={(e) => choose({ since: e.target.value })}>
            {SINCE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Key
          <select value={value.key} onChange={(e) => choose({ key: e.target.value })}>
            <option value="">Any key</option>
            {keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Provider
          <select value={value.provider} onChange={(e) => choose({ provider: e.target.value })}>
            <option value="">Any provider</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event
          <select
            value={value.event}
            onChange={(e) => choose({ event: e.target.value as ActivityFilterState['event'] })}
          >
            <option value="">Any event</option>
            {ACTIVITY_EVENTS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <select
            value={value.source}
            onChange={(e) => choose({ source: e.target.value as ActivityFilterState['source'] })}
          >
            <option value="">Any program</option>
            {ACTIVITY_SOURCES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <input
            value={typed.kind}
            placeholder="chat, publish, attendee…"
            maxLength={200}
            onChange={(e) => setTyped({ ...typed, kind: e.target.value })}
          />
        </label>
        <label>
          Subject
          <input
            value={typed.subject}
            placeholder="a user id or e-mail address"
            maxLength={200}
            onChange={(e) => setTyped({ ...typed, subject: e.target.value })}
          />
        </label>
        <button type="submit">Show</button>
      </div>
    </form>
  );
}
