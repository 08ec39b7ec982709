import type { FormField } from '../../../../shared/ipc.ts';
import { previewRow, type CheckResult, type ColumnMap, type OpenSheet } from './importPlan.ts';

/**
 * The first rows as the links they would become (label and each mapped parameter), and once main
 * has checked every row, each row's problem on that row; problems further down are listed below.
 */
export function ImportPreview({
  sheet,
  fields,
  mapping,
  labelColumn,
  check,
}: {
  sheet: OpenSheet;
  fields: FormField[];
  mapping: ColumnMap;
  labelColumn: string;
  /** The check of this very mapping, or null when there is none (or it no longer applies). */
  check: CheckResult | null;
}) {
  const mapped = fields.filter((f) => mapping[f.name]);
  const problems = new Map((check?.problems ?? []).map((p) => [p.line, p.problem]));
  const shownLines = new Set(sheet.rows.map((r) => r.line));
  const further = (check?.problems ?? []).filter((p) => !shownLines.has(p.line));
  return (
    <div className="import-preview">
      <table aria-label="Preview of the first rows">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Label</th>
            {mapped.map((f) => (
              <th key={f.name} scope="col">
                {f.label} ← {mapping[f.name]}
              </th>
            ))}
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {sheet.rows.map((row) => {
            const preview = previewRow(row, fields, mapping, labelColumn);
            const problem = problems.get(row.line);
            return (
              <tr
                key={row.line}
                className={problem ? 'row-problem' : undefined}
                data-problem={problem ? 'true' : undefined}
              >
                <th scope="row">line {row.line}</th>
                <td>{preview.label || '—'}</td>
                {mapped.map((f) => (
                  <td key={f.name}>{preview.values[f.name] || '—'}</td>
                ))}
                <td className={problem ? 'bad' : 'hint'}>
                  {problem ? (
                    <>
                      <span aria-hidden="true">⚠ </span>
                      {problem}
                    </>
                  ) : check ? (
                    'ok'
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {sheet.rowCount > sheet.rows.length && (
        <p className="hint">
          The first {sheet.rows.length} of {sheet.rowCount} rows; the check goes through all of
          them.
        </p>
      )}
      {further.length > 0 && (
        <>
          <h3>Further rows with problems</h3>
          <ul className="problems" aria-label="Further rows with problems">
            {further.map((p) => (
              <li key={p.line}>
                line {p.line}: {p.problem}
              </li>
            ))}
          </ul>
        </>
      )}
      {check && check.problemCount > check.problems.length && (
        <p className="hint">
          {check.problemCount} rows have problems; the first {check.problems.length} are listed.
        </p>
      )}
    </div>
  );
}
