/** The platforms a key can be tagged for; '' is no tag. */
const PROVIDERS = [
  '',
  'antmedia',
  'kinescope',
  'vonage',
  'frameable',
  'nativeframe',
  'mediamtx',
  'custom',
];

/** The provider tag of a new key (optional). */
export function ProviderSelect({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      Provider
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {PROVIDERS.map((p) => (
          <option key={p} value={p}>
            {p || '—'}
          </option>
        ))}
      </select>
    </label>
  );
}
