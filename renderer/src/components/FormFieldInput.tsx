import { useId } from 'react';
import type { FormField } from '../../../shared/ipc.ts';
import type { FieldValue } from '../validate.ts';

export interface FormFieldInputProps {
  field: FormField;
  value: FieldValue;
  error: string | null;
  onChange: (value: FieldValue) => void;
  onBlur: () => void;
}

/** One field of a token form, from the provider's schema: text, select, checkbox or list. */
export function FormFieldInput({ field, value, error, onChange, onBlur }: FormFieldInputProps) {
  const id = useId();
  const describedBy = [field.help ? `${id}-help` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    onBlur,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
    'aria-required': field.required || undefined,
  };
  let input;
  if (field.type === 'boolean') {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  } else if (field.type === 'select') {
    input = (
      <select {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {!field.required && <option value="">—</option>}
        {field.options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    );
  } else if (field.type === 'list') {
    input = (
      <textarea
        {...common}
        rows={2}
        value={String(value)}
        placeholder="one per line"
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={field.type === 'boolean' ? 'field checkbox' : 'field'}>
      <label htmlFor={id}>{field.label}</label>
      {input}
      {field.help && (
        <span id={`${id}-help`} className="hint">
          {field.help}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
