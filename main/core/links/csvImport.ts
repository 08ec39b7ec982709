import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError, KeycastError } from '../errors.ts';
import type { RawParams } from '../providers/types.ts';
import type { IssuedLink, LinkService, NewLink } from './service.ts';

/** A spreadsheet of a few thousand attendees is far below this; a file the size of a disk is not. */
export const MAX_IMPORT_ROWS = 20_000;

export interface AttendeeSheet {
  columns: string[];
  /** Each row with its line number in the file (the header is line 1). */
  rows: { line: number; values: Record<string, string> }[];
}

/** `displayName=Name,email=Email`: link parameter ← CSV column. */
export type ColumnMap = Record<string, string>;

export interface ImportOptions extends Omit<NewLink, 'params' | 'label'> {
  map: ColumnMap;
  /** Fixed parameters every row shares (the event URL…). */
  params?: RawParams;
  /** The column whose value labels each link (default: the first mapped column). */
  labelColumn?: string;
}

export interface RowProblem {
  line: number;
  problem: string;
}

/**
 * Reads an attendee CSV as RFC 4180 says (quoted fields, embedded commas and line breaks, a BOM,
 * CRLF), with a header row. A malformed file is one sentence naming the line.
 */
export function readAttendees(text: string): AttendeeSheet {
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: false, skip_empty_lines: true });
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    throw new InputError(
      `The CSV cannot be read${line ? ` at line ${line}` : ''}: ${(cause as Error).message.replace(/^Invalid Record Length: /, '')}`,
      { cause },
    );
  }
  const [header, ...body] = records;
  if (!header || header.length === 0)
    throw new InputError('The CSV is empty: it needs a header row and one row per attendee.');
  if (body.length > MAX_IMPORT_ROWS) {
    throw new InputError(
      `The CSV has ${body.length} rows; Keycast imports at most ${MAX_IMPORT_ROWS} at once: split it.`,
    );
  }
  const columns = header.map((c) => c.trim());
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) throw new InputError(`The CSV has two columns named "${duplicate}": rename one.`);
  return {
    columns,
    rows: body.map((cells, index) => ({
      line: index + 2,
      values: Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ''])),
    })),
  };
}

/** `displayName=Name,email=Email` → {displayName: 'Name', email: 'Email'}. */
export function parseColumnMap(text: string): ColumnMap {
  const map: ColumnMap = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1 || at === pair.length - 1) {
      throw new InputError(
        `--map takes parameter=Column pairs separated by commas, like displayName=Name,email=Email; got "${pair}".`,
      );
    }
    map[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  if (Object.keys(map).length === 0)
    throw new InputError('--map needs at least one parameter=Column pair.');
  return map;
}

/** The link each row would make, or the row's problem. Nothing is created. */
export function linksOf(
  sheet: AttendeeSheet,
  options: ImportOptions,
): { line: number; link: NewLink }[] {
  const missing = Object.values(options.map).filter((column) => !sheet.columns.includes(column));
  if (missing.length) {
    throw new InputError(
      `The CSV has no column ${missing.map((m) => `"${m}"`).join(', ')}; its columns are ${sheet.columns.map((c) => `"${c}"`).join(', ')}.`,
    );
  }
  const labelColumn = options.labelColumn ?? Object.values(options.map)[0]!;
  const linkOptions: Omit<NewLink, 'params' | 'label'> = {
    provider: options.provider,
    kind: options.kind,
    key: options.key,
    tokenTtlSeconds: options.tokenTtlSeconds,
    validFrom: options.validFrom,
    validUntil: options.validUntil,
    maxUses: options.maxUses,
    confirm: options.confirm,
    note: options.note,
  };
  const shared = options.params ?? {};
  return sheet.rows.map(({ line, values }) => {
    const params: RawParams = { ...shared };
    for (const [param, column] of Object.entries(options.map)) {
      const value = values[column]!.trim();
      if (value !== '') params[param] = value;
    }
    return {
      line,
      link: { ...linkOptions, params, label: values[labelColumn]?.trim() || undefined },
    };
  });
}

/**
 * Checks every row (the same checks as one link: the key, the kind's parameters, the lifetime),
 * then creates them all; one bad row and nothing is created, with every problem's line listed.
 * If storing fails half-way, the links already stored are removed again.
 */
export async function importLinks(
  service: LinkService,
  sheet: AttendeeSheet,
  options: ImportOptions,
): Promise<{ line: number; issued: IssuedLink }[]> {
  const planned = linksOf(sheet, options);
  const problems = await checkRows(service, planned);
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 10)
      .map((p) => `line ${p.line}: ${p.problem}`)
      .join('; ');
    throw new InputError(
      `Nothing was created: ${problems.length} row(s) have problems — ${shown}${problems.length > 10 ? '; …' : ''}. Fix them and import again.`,
    );
  }
  const created: { line: number; issued: IssuedLink }[] = [];
  // One millisecond apart: the links list in the file's order, whatever store keeps them.
  const start = Date.now();
  try {
    for (const [index, { line, link }] of planned.entries()) {
      const issued = await service.create(link, new Date(start + index), { checked: true });
      created.push({ line, issued });
    }
  } catch (error) {
    for (const { issued } of created) await service.store.remove(issued.link.id).catch(() => false);
    throw error;
  }
  return created;
}

/** Every row's problem, without creating anything (the app's preview uses this too). */
export async function checkRows(
  service: LinkService,
  planned: { line: number; link: NewLink }[],
): Promise<RowProblem[]> {
  const problems: RowProblem[] = [];
  for (const { line, link } of planned) {
    try {
      await service.check(link);
    } catch (error) {
      if (!(error instanceof KeycastError)) throw error;
      problems.push({ line, problem: error.message.replace(/\.$/, '') });
    }
  }
  return problems;
}

/** The sheet written back with a `link` column for a mail merge (RFC 4180, the same columns first). */
export function withLinks(
  sheet: AttendeeSheet,
  links: ReadonlyMap<number, string>,
  column = 'link',
): string {
  const columns = sheet.columns.includes(column) ? sheet.columns : [...sheet.columns, column];
  return stringify([
    columns,
    ...sheet.rows.map(({ line, values }) =>
      columns.map((c) => (c === column ? (links.get(line) ?? '') : (values[c] ?? ''))),
    ),
  ]);
}
