import type { FormField } from '../../shared/ipc.ts';

/** Text, a checkbox, or a list typed one entry per line. */
export type FieldValue = string | boolean;

/** Inline validation with the rules the provider's schema states; main checks everything again. */
export function fieldError(field: FormField, value: FieldValue | undefined): string | null {
  if (field.type === 'boolean') return null;
  if (field.type === 'list') {
    const items = linesOf(typeof value === 'string' ? value : '');
    if (field.pattern === null) return null;
    const pattern = new RegExp(field.pattern);
    const bad = items.find((item) => !pattern.test(item));
    return bad === undefined ? null : `"${bad}" is not a valid entry.`;
  }
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return field.required ? `${field.label} is required.` : null;
  if (field.maxLength !== null && text.length > field.maxLength)
    return `${field.label} must be at most ${field.maxLength} characters.`;
  if (field.pattern !== null && !new RegExp(field.pattern).test(text))
    return `${field.label} has characters or a form it cannot have.`;
  if (field.type === 'select' && !field.options.includes(text))
    return `Choose one of ${field.options.join(', ')}.`;
  return null;
}

/** The parameters to send: empty text left out, lists split one entry per line. */
export function paramsFrom(
  fields: FormField[],
  values: Record<string, FieldValue>,
): Record<string, string | string[] | boolean> {
  const params: Record<string, string | string[] | boolean> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined) continue;
    if (typeof value === 'boolean') params[field.name] = value;
    else if (field.type === 'list') {
      const items = linesOf(value);
      if (items.length) params[field.name] = items;
    } else if (value.trim() !== '') params[field.name] = value.trim();
  }
  return params;
}

export function initialValues(fields: FormField[]): Record<string, FieldValue> {
  return Object.fromEntries(
    fields.map((f) => [
      f.name,
      f.type === 'boolean' ? f.defaultValue === true : String(f.defaultValue ?? ''),
    ]),
  );
}

export const linesOf = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
