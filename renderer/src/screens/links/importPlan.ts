import type { FormField, RequestOf, ResponseOf } from '../../../../shared/ipc.ts';
import { fieldError, paramsFrom, type FieldValue } from '../../validate.ts';
import type { KindChoice } from './KindPicker.tsx';
import { optionErrors, optionsRequest, type LinkOptionsState } from './linkOptions.ts';

export type OpenSheet = ResponseOf<'openAttendeeCsv'>;
export type CheckResult = ResponseOf<'checkAttendeeImport'>;
export type ImportRequest = Omit<RequestOf<'importAttendees'>, 'jobId'>;

/** Parameter ← column; an empty column means the parameter has one fixed value for every row. */
export type ColumnMap = Record<string, string>;

const norm = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The mapped parameters in the kind's order (its name first), whatever order they were chosen in:
 * links are labelled from the first mapped column, here and in main.
 */
export function orderedMap(fields: FormField[], mapping: ColumnMap): ColumnMap {
  return Object.fromEntries(
    fields.flatMap((f) => (mapping[f.name] ? [[f.name, mapping[f.name]!] as const] : [])),
  );
}

/**
 * A first mapping from the column names: "Email" fills email, "Display name" displayName, and a
 * lone "Name" fills whichever name the kind has (displayName, username).
 */
export function guessMapping(fields: FormField[], columns: string[]): ColumnMap {
  const map: ColumnMap = {};
  const taken = new Set<string>();
  for (const field of fields) {
    const column = columns.find(
      (c) => !taken.has(c) && [norm(field.name), norm(field.label)].includes(norm(c)),
    );
    if (column) {
      map[field.name] = column;
      taken.add(column);
    }
  }
  const name = columns.find((c) => norm(c) === 'name' && !taken.has(c));
  const nameField = fields.find((f) => /name$/i.test(f.name) && !map[f.name]);
  if (name && nameField) map[nameField.name] = name;
  return orderedMap(fields, map);
}

/** The request for main, from what the form holds. */
export function importRequest(input: {
  sheetId: string;
  choice: KindChoice;
  fields: FormField[];
  mapping: ColumnMap;
  fixed: Record<string, FieldValue>;
  labelColumn: string;
  options: LinkOptionsState;
}): ImportRequest {
  const map = orderedMap(input.fields, input.mapping);
  const fixedFields = input.fields.filter((f) => !map[f.name]);
  return {
    sheetId: input.sheetId,
    provider: input.choice.provider,
    kind: input.choice.kind,
    key: input.choice.key,
    map,
    params: paramsFrom(fixedFields, input.fixed),
    labelColumn: input.labelColumn || undefined,
    ...optionsRequest(input.options),
  };
}

/** What must be fixed before main is asked to check the rows. */
export function formProblems(input: {
  choice: KindChoice;
  fields: FormField[];
  mapping: ColumnMap;
  fixed: Record<string, FieldValue>;
  options: LinkOptionsState;
  maxTtl: number;
  keyDescription: string;
}): {
  fields: Record<string, string | null>;
  options: ReturnType<typeof optionErrors>;
  form: string | null;
} {
  const fields = Object.fromEntries(
    input.fields.map((f) => [
      f.name,
      input.mapping[f.name] ? null : fieldError(f, input.fixed[f.name]),
    ]),
  );
  const options = optionErrors(input.options, input.maxTtl);
  let form: string | null = null;
  if (!input.choice.key)
    form = `A link needs ${input.keyDescription}: generate or import one under Keys first.`;
  else if (!Object.values(input.mapping).some(Boolean))
    form = 'Map at least one parameter to a column: otherwise every link would be the same.';
  return { fields, options, form };
}

/** One preview row: the line, the label the link gets, and each mapped parameter's value. */
export function previewRow(
  row: OpenSheet['rows'][number],
  fields: FormField[],
  mapping: ColumnMap,
  labelColumn: string,
): { line: number; label: string; values: Record<string, string> } {
  const mapped = Object.entries(orderedMap(fields, mapping));
  const labelFrom = labelColumn || mapped[0]?.[1] || '';
  return {
    line: row.line,
    label: (row.values[labelFrom] ?? '').trim(),
    values: Object.fromEntries(mapped.map(([param, column]) => [param, row.values[column] ?? ''])),
  };
}
