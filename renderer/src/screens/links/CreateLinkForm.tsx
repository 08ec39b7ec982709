import { useEffect, useRef, useState, type RefObject } from 'react';
import type { IssuedLinkView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { KindFields } from '../../components/KindFields.tsx';
import { fieldError, initialValues, paramsFrom, type FieldValue } from '../../validate.ts';
import { KindPicker, kindOf, type KindChoice, type LinkCatalog } from './KindPicker.tsx';
import { LinkOptionsFields } from './LinkOptionsFields.tsx';
import { EMPTY_OPTIONS, optionErrors, optionsRequest } from './linkOptions.ts';

/**
 * One link: the kind's form (generated from its parameter schema, as on the Mint screen), the
 * link's options and a label. Main checks everything a click would need before storing it.
 */
export function CreateLinkForm({
  catalog,
  initial,
  onIssued,
  onError,
}: {
  catalog: LinkCatalog;
  initial: KindChoice;
  onIssued: (issued: IssuedLinkView) => void;
  onError: (message: string) => void;
}) {
  const [choice, setChoice] = useState(initial);
  const submit = useRef<(() => void) | null>(null);
  const found = kindOf(catalog, choice);
  return (
    <form
      className="panel"
      aria-label="Create a redirect link"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit.current?.();
      }}
    >
      <KindPicker catalog={catalog} value={choice} onChange={setChoice} />
      {found && (
        <LinkFields
          // A new kind is a new form: its fields and their values start afresh.
          key={`${choice.provider}/${choice.kind}`}
          choice={choice}
          kind={found.kind}
          submit={submit}
          onIssued={onIssued}
          onError={onError}
        />
      )}
    </form>
  );
}

function LinkFields({
  choice,
  kind,
  submit,
  onIssued,
  onError,
}: {
  choice: KindChoice;
  kind: NonNullable<ReturnType<typeof kindOf>>['kind'];
  /** The form's submit runs this form's create. */
  submit: RefObject<(() => void) | null>;
  onIssued: (issued: IssuedLinkView) => void;
  onError: (message: string) => void;
}) {
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    initialValues(kind.fields),
  );
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [label, setLabel] = useState('');
  const [options, setOptions] = useState(EMPTY_OPTIONS);
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const ttl = kind.ttl ?? { default: 300, max: 86_400 };
  const errors = Object.fromEntries(
    kind.fields.map((f) => [f.name, fieldError(f, values[f.name])]),
  );
  const optionProblems = optionErrors(options, ttl.max);

  const create = async (): Promise<void> => {
    setTouched(Object.fromEntries(kind.fields.map((f) => [f.name, true])));
    setSubmitted(true);
    if (Object.values(errors).some(Boolean) || Object.keys(optionProblems).length > 0) return;
    if (!choice.key) {
      onError(`A link needs ${kind.keyDescription}: generate or import one under Keys first.`);
      return;
    }
    setBusy(true);
    try {
      onIssued(
        await call('createLink', {
          provider: choice.provider,
          kind: choice.kind,
          key: choice.key,
          params: paramsFrom(kind.fields, values),
          label: label.trim() || undefined,
          ...optionsRequest(options),
        }),
      );
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    submit.current = () => void create();
  });

  return (
    <>
      <div className="grid">
        <KindFields
          fields={kind.fields}
          values={values}
          errors={errors}
          touched={touched}
          onValues={setValues}
          onTouched={setTouched}
        />
        <label>
          Label
          <input
            value={label}
            maxLength={200}
            placeholder="the attendee’s name"
            onChange={(e) => setLabel(e.target.value)}
          />
        </label>
      </div>
      <LinkOptionsFields
        value={options}
        onChange={setOptions}
        errors={submitted ? optionProblems : {}}
        kindTtl={ttl}
      />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create link'}
        </button>
      </div>
    </>
  );
}
