import type { FormField } from '../../../shared/ipc.ts';
import type { FieldValue } from '../validate.ts';
import { FormFieldInput } from './FormFieldInput.tsx';

/**
 * A token kind's form, generated from its parameter schema: one input per field, its error shown
 * once the field was left. The Mint screen and the Links screen both use it.
 */
export function KindFields(props: {
  fields: readonly FormField[];
  values: Record<string, FieldValue>;
  errors: Record<string, string | null>;
  touched: Record<string, boolean>;
  onValues: (values: Record<string, FieldValue>) => void;
  onTouched: (touched: Record<string, boolean>) => void;
}) {
  const { values, touched } = props;
  return props.fields.map((field) => (
    <FormFieldInput
      key={field.name}
      field={field}
      value={values[field.name] ?? ''}
      error={touched[field.name] ? (props.errors[field.name] ?? null) : null}
      onChange={(v) => props.onValues({ ...values, [field.name]: v })}
      onBlur={() => props.onTouched({ ...touched, [field.name]: true })}
    />
  ));
}
