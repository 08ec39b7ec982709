import { useId } from 'react';
import type { FormField } from '../../../../shared/ipc.ts';
import { FormFieldInput } from '../../components/FormFieldInput.tsx';
import type { FieldValue } from '../../validate.ts';
import { orderedMap, type ColumnMap } from './importPlan.ts';

/**
 * Parameter ← column, one row per parameter of the kind: a column of the CSV fills it per
 * attendee, or one value (the kind's generated field, as on the Mint screen) fills it for all.
 */
export function ColumnMapping({
  fields,
  columns,
  mapping,
  fixed,
  errors,
  labelColumn,
  onMapping,
  onFixed,
  onLabelColumn,
}: {
  fields: FormField[];
  columns: string[];
  mapping: ColumnMap;
  fixed: Record<string, FieldValue>;
  errors: Record<string, string | null>;
  labelColumn: string;
  onMapping: (mapping: ColumnMap) => void;
  onFixed: (fixed: Record<string, FieldValue>) => void;
  onLabelColumn: (column: string) => void;
}) {
  const id = useId();
  const firstMapped = Object.values(orderedMap(fields, mapping))[0];
  return (
    <fieldset className="mapping">
      <legend>Parameters ← columns</legend>
      <table aria-label="Column mapping">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">From column</th>
            <th scope="col">Or one value for every row</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field.name}>
              <th scope="row">
                {field.label}
                {field.required && <span className="hint"> (required)</span>}
              </th>
              <td>
                <select
                  aria-label={`Column for ${field.label}`}
                  value={mapping[field.name] ?? ''}
                  onChange={(e) => onMapping({ ...mapping, [field.name]: e.target.value })}
                >
                  <option value="">— one value —</option>
                  {columns.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {mapping[field.name] ? (
                  <span className="hint">from “{mapping[field.name]}”</span>
                ) : (
                  <FormFieldInput
                    field={field}
                    value={fixed[field.name] ?? ''}
                    error={errors[field.name] ?? null}
                    onChange={(v) => onFixed({ ...fixed, [field.name]: v })}
                    onBlur={() => undefined}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field">
        <label htmlFor={`${id}-label`}>Label each link from</label>
        <select
          id={`${id}-label`}
          value={labelColumn}
          onChange={(e) => onLabelColumn(e.target.value)}
        >
          <option value="">{firstMapped ? `the first mapped column (${firstMapped})` : '—'}</option>
          {columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}
