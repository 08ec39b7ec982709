import { useState, type DragEvent } from 'react';
import type { ResponseOf } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { JobStatus } from '../../components/JobStatus.tsx';
import { Notice } from '../../components/Notice.tsx';
import { useJob } from '../../useJob.ts';
import { initialValues, type FieldValue } from '../../validate.ts';
import { ColumnMapping } from './ColumnMapping.tsx';
import { ImportedLinks } from './IssuedLink.tsx';
import { ImportPreview } from './ImportPreview.tsx';
import {
  formProblems,
  guessMapping,
  importRequest,
  type CheckResult,
  type ColumnMap,
  type OpenSheet,
} from './importPlan.ts';
import { KindPicker, kindOf, type KindChoice, type LinkCatalog } from './KindPicker.tsx';
import { LinkOptionsFields } from './LinkOptionsFields.tsx';
import { EMPTY_OPTIONS } from './linkOptions.ts';

type Imported = ResponseOf<'importAttendees'>;

/**
 * Attendee CSV → one link per row. Main reads the file (from its dialog or a dropped file's path)
 * and keeps it; this panel maps the kind's parameters to columns, shows the first rows as links,
 * has main check every row and shows each row's problem, and only then lets main create them
 * all (or none) and write the CSV with a link column where the person chooses.
 */
export function ImportPanel({
  catalog,
  initial,
  onImported,
}: {
  catalog: LinkCatalog;
  initial: KindChoice;
  onImported: () => void;
}) {
  const [sheet, setSheet] = useState<OpenSheet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [imported, setImported] = useState<Imported | null>(null);

  const open = async (path: string): Promise<void> => {
    try {
      setSheet(await call('openAttendeeCsv', { path }));
      setImported(null);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const choose = async (): Promise<void> => {
    try {
      const { path } = await call('chooseAttendeeCsv', {});
      if (path) await open(path);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const drop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    // Only the path crosses to main; the renderer never reads the file.
    if (file) void open(window.keycast.pathForFile(file));
  };

  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title">Import attendees from a CSV</h2>
      <Notice error={error} />
      <div
        className={dragging ? 'dropzone active' : 'dropzone'}
        data-testid="csv-dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>
          {sheet
            ? `${sheet.fileName}: ${sheet.rowCount} attendees, columns ${sheet.columns.join(', ')}. Drop another file to replace it, or`
            : 'Drop an attendee CSV here (a header row, one row per attendee), or'}
        </p>
        <button type="button" onClick={() => void choose()}>
          Choose CSV…
        </button>
      </div>
      {sheet && (
        <SheetImport
          // Another file is another import: the mapping starts from its columns.
          key={sheet.sheetId}
          sheet={sheet}
          catalog={catalog}
          initial={initial}
          onImported={(result) => {
            setImported(result);
            if (result.path) {
              setSheet(null);
              onImported();
            }
          }}
        />
      )}
      {imported && <ImportResult result={imported} />}
    </section>
  );
}

function ImportResult({ result }: { result: Imported }) {
  if (!result.path)
    return <Notice status="Nothing was created: no file was chosen to save the links in." />;
  return (
    <>
      <Notice
        status={`Created ${result.created.length} links and saved them with a “link” column to ${result.path} (only you can read the file: the links are secrets).`}
      />
      <ImportedLinks links={result.created} />
    </>
  );
}

function SheetImport({
  sheet,
  catalog,
  initial,
  onImported,
}: {
  sheet: OpenSheet;
  catalog: LinkCatalog;
  initial: KindChoice;
  onImported: (result: Imported) => void;
}) {
  const [choice, setChoice] = useState(initial);
  const found = kindOf(catalog, choice);
  return (
    <>
      <KindPicker catalog={catalog} value={choice} onChange={setChoice} />
      {found && (
        <MappingForm
          key={`${choice.provider}/${choice.kind}`}
          sheet={sheet}
          choice={choice}
          kind={found.kind}
          onImported={onImported}
        />
      )}
    </>
  );
}

function MappingForm({
  sheet,
  choice,
  kind,
  onImported,
}: {
  sheet: OpenSheet;
  choice: KindChoice;
  kind: NonNullable<ReturnType<typeof kindOf>>['kind'];
  onImported: (result: Imported) => void;
}) {
  const [mapping, setMapping] = useState<ColumnMap>(() => guessMapping(kind.fields, sheet.columns));
  const [fixed, setFixed] = useState<Record<string, FieldValue>>(() => initialValues(kind.fields));
  const [labelColumn, setLabelColumn] = useState('');
  const [options, setOptions] = useState(EMPTY_OPTIONS);
  const [shown, setShown] = useState(false);
  const [check, setCheck] = useState<{ of: string; result: CheckResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const checking = useJob();
  const importing = useJob();
  const ttl = kind.ttl ?? { default: 300, max: 86_400 };

  const request = importRequest({
    sheetId: sheet.sheetId,
    choice,
    fields: kind.fields,
    mapping,
    fixed,
    labelColumn,
    options,
  });
  const signature = JSON.stringify(request);
  // A check holds only for the mapping and options it was made with.
  const current = check?.of === signature ? check.result : null;
  const problems = formProblems({
    choice,
    fields: kind.fields,
    mapping,
    fixed,
    options,
    maxTtl: ttl.max,
    keyDescription: kind.keyDescription,
  });
  const blocked =
    problems.form !== null ||
    Object.values(problems.fields).some(Boolean) ||
    Object.keys(problems.options).length > 0;

  const runCheck = async (): Promise<void> => {
    setShown(true);
    setError(problems.form);
    if (blocked) return;
    try {
      const result = await checking.run((jobId) =>
        call('checkAttendeeImport', { jobId, ...request }),
      );
      setCheck({ of: signature, result });
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const runImport = async (): Promise<void> => {
    try {
      onImported(await importing.run((jobId) => call('importAttendees', { jobId, ...request })));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const busy = checking.running || importing.running;
  return (
    <form
      aria-label="Map the CSV columns"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void runCheck();
      }}
    >
      <ColumnMapping
        fields={kind.fields}
        columns={sheet.columns}
        mapping={mapping}
        fixed={fixed}
        errors={shown ? problems.fields : {}}
        labelColumn={labelColumn}
        onMapping={setMapping}
        onFixed={setFixed}
        onLabelColumn={setLabelColumn}
      />
      <LinkOptionsFields
        value={options}
        onChange={setOptions}
        errors={shown ? problems.options : {}}
        kindTtl={ttl}
      />
      <ImportPreview
        sheet={sheet}
        fields={kind.fields}
        mapping={mapping}
        labelColumn={labelColumn}
        check={current}
      />
      <Notice error={error} />
      {current && (
        <p role="status" className={current.problemCount ? 'notice bad' : 'notice'}>
          {current.problemCount
            ? `${current.problemCount} of ${current.rowCount} rows have problems: fix them in the file (or the mapping) and check again. Nothing was created.`
            : `All ${current.rowCount} rows are fine.`}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {checking.running ? 'Checking…' : 'Check rows'}
        </button>
        <button
          type="button"
          disabled={busy || !current || current.problemCount > 0}
          onClick={() => void runImport()}
        >
          {importing.running ? 'Creating…' : `Create ${sheet.rowCount} links and save CSV…`}
        </button>
        <JobStatus job={checking.running ? checking : importing} />
      </div>
      {!current && !checking.running && (
        <p className="hint">Check the rows first: links are created only when every row is fine.</p>
      )}
    </form>
  );
}
