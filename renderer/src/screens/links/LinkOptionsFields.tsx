import { useId } from 'react';
import { LifetimePresets } from '../../components/LifetimePresets.tsx';
import { formatSpan } from '../../format.ts';
import { DEFAULT_LINK_TTL, type LinkOptionsState, type OptionErrors } from './linkOptions.ts';

/**
 * A link's own options: how often and when it may be used, how long each click's token lives, the
 * confirm step for mail scanners, and a note. The same fields for one link and for an import.
 */
export function LinkOptionsFields({
  value,
  onChange,
  errors,
  kindTtl,
}: {
  value: LinkOptionsState;
  onChange: (value: LinkOptionsState) => void;
  errors: OptionErrors;
  /** The kind's lifetimes: its default and the provider's maximum. */
  kindTtl: { default: number; max: number };
}) {
  const id = useId();
  const set = (patch: Partial<LinkOptionsState>): void => onChange({ ...value, ...patch });
  const fallback = Math.min(DEFAULT_LINK_TTL, kindTtl.default);
  const error = (name: keyof OptionErrors) =>
    errors[name] ? (
      <span id={`${id}-${name}-error`} className="field-error">
        {errors[name]}
      </span>
    ) : null;
  const invalid = (name: keyof OptionErrors) =>
    errors[name]
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${name}-error` }
      : {};
  return (
    <fieldset className="link-options">
      <legend>Link options</legend>
      <div className="grid">
        <div className="field">
          <label htmlFor={`${id}-uses`}>Uses (maximum)</label>
          <input
            id={`${id}-uses`}
            type="number"
            min={1}
            max={1_000_000}
            placeholder="no limit"
            value={value.uses}
            onChange={(e) => set({ uses: e.target.value })}
            {...invalid('uses')}
          />
          {error('uses')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>Valid from</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={value.validFrom}
            onChange={(e) => set({ validFrom: e.target.value })}
            {...invalid('validFrom')}
          />
          {error('validFrom')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Valid until</label>
          <input
            id={`${id}-until`}
            type="datetime-local"
            value={value.validUntil}
            onChange={(e) => set({ validUntil: e.target.value })}
            {...invalid('validUntil')}
          />
          {error('validUntil')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <input
            id={`${id}-note`}
            value={value.note}
            maxLength={2000}
            placeholder="for you only"
            onChange={(e) => set({ note: e.target.value })}
          />
        </div>
      </div>
      <fieldset className="ttl">
        <legend>Token lifetime per click (at most {formatSpan(kindTtl.max)})</legend>
        <label className="chip">
          <input
            type="radio"
            name={`${id}-ttl`}
            checked={value.ttl === null && !value.customMinutes}
            onChange={() => set({ ttl: null, customMinutes: '' })}
          />
          Default ({formatSpan(fallback)})
        </label>
        <LifetimePresets
          name={`${id}-ttl`}
          max={kindTtl.max}
          ttl={value.ttl}
          customMinutes={value.customMinutes}
          onChange={set}
          customInput={invalid('ttl')}
        />
        {error('ttl')}
      </fieldset>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={value.confirm}
          onChange={(e) => set({ confirm: e.target.checked })}
          aria-describedby={`${id}-confirm-hint`}
        />
        Confirm step (a “Join” button first)
      </label>
      <span id={`${id}-confirm-hint`} className="hint">
        Mail security scanners open links before people do, which uses up a limited link. With the
        confirm step only the button press mints a token and counts.
      </span>
    </fieldset>
  );
}
