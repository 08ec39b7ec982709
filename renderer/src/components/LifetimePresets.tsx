import type { InputHTMLAttributes } from 'react';
import { TTL_PRESETS } from '../format.ts';

/**
 * The lifetime choices inside a lifetime fieldset: the presets (those above `max` disabled) and a
 * custom number of minutes. A custom entry that is not a positive number leaves `ttl` as it was.
 */
export function LifetimePresets(props: {
  name: string;
  max: number;
  ttl: number | null;
  customMinutes: string;
  onChange: (choice: { ttl: number | null; customMinutes: string }) => void;
  /** aria-invalid / aria-describedby for the custom input. */
  customInput?: InputHTMLAttributes<HTMLInputElement>;
}) {
  const { ttl, customMinutes } = props;
  return (
    <>
      {TTL_PRESETS.map((preset) => (
        <label key={preset.label} className="chip">
          <input
            type="radio"
            name={props.name}
            checked={!customMinutes && ttl === preset.seconds}
            disabled={preset.seconds > props.max}
            onChange={() => props.onChange({ ttl: preset.seconds, customMinutes: '' })}
          />
          {preset.label}
        </label>
      ))}
      <label className="chip">
        Custom (minutes)
        <input
          type="number"
          min={1}
          max={Math.floor(props.max / 60)}
          value={customMinutes}
          {...props.customInput}
          onChange={(e) => {
            const minutes = Number(e.target.value);
            props.onChange({
              customMinutes: e.target.value,
              ttl: minutes > 0 ? Math.round(minutes * 60) : ttl,
            });
          }}
        />
      </label>
    </>
  );
}
