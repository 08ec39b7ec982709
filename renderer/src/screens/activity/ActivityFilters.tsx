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
        <FilterSelect
          label="Since"
          value={value.since}
          options={SINCE_CHOICES}
          onChange={(since) => choose({ since })}
        />
        <FilterSelect
          label="Key"
          any="Any key"
          value={value.key}
          options={keys.map((k) => ({ value: k.id, label: k.name }))}
          onChange={(key) => choose({ key })}
        />
        <FilterSelect
          label="Provider"
          any="Any provider"
          value={value.provider}
          options={providers.map((p) => ({ value: p.id, label: p.name }))}
          onChange={(provider) => choose({ provider })}
        />
        <FilterSelect
          label="Event"
          any="Any event"
          value={value.event}
          options={ACTIVITY_EVENTS.map((name) => ({ value: name, label: name }))}
          onChange={(event) => choose({ event: event as ActivityFilterState['event'] })}
        />
        <FilterSelect
          label="From"
          any="Any program"
          value={value.source}
          options={ACTIVITY_SOURCES.map((name) => ({ value: name, label: name }))}
          onChange={(source) => choose({ source: source as ActivityFilterState['source'] })}
        />
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

/** One list filter: applies as soon as a choice is made; `any` is the "no filter" entry. */
function FilterSelect({
  label,
  any,
  value,
  options,
  onChange,
}: {
  label: string;
  any?: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {any !== undefined && <option value="">{any}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
