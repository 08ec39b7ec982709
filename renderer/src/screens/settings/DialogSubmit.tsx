import { Notice } from '../../components/Notice.tsx';

/**
 * The end of a form whose action opens one of main's file dialogs: the submit button, then what
 * is happening (the dialog is open), that the dialog was closed, or main's refusal.
 */
export function DialogSubmit(props: {
  label: string;
  busyLabel: string;
  busy: boolean;
  error: string | null;
  /** Shown while main waits for the dialog. */
  whileOpen: string;
  /** Shown when the dialog was closed without a choice. */
  cancelled: string | null;
}) {
  return (
    <>
      <div className="actions">
        <button type="submit" disabled={props.busy}>
          {props.busy ? props.busyLabel : props.label}
        </button>
      </div>
      <Notice error={props.error} status={props.busy ? props.whileOpen : props.cancelled} />
    </>
  );
}
