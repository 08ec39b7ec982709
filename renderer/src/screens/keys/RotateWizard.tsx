import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type {
  RotationOutcomeView,
  RotationPlan,
  RotationStepView,
} from '../../../../shared/rotation.ts';
import { call, messageOf } from '../../api.ts';
import { CopyField } from '../../components/CopyField.tsx';
import { JobStatus } from '../../components/JobStatus.tsx';
import { Notice } from '../../components/Notice.tsx';
import { formatSpan } from '../../format.ts';
import { useJob } from '../../useJob.ts';

/** Parses "90m", "2h", "7d" (or plain seconds) into seconds; null when it is not a duration. */
function parseSpan(text: string): number | null {
  const match = /^(\d{1,7})\s*([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? seconds : null;
}

/** Seconds in the largest unit that says them exactly: 604800 → "7d", 5400 → "90m". */
function spanText(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function StepList({ steps }: { steps: RotationStepView[] }) {
  return (
    <ol className="rotation-steps">
      {steps.map((s) => (
        <li key={s.step} className={s.doneAt ? 'done' : 'pending'}>
          <strong>{s.title}</strong>
          {s.doneAt ? (
            <span className="badge ok">done {s.doneAt.slice(0, 16).replace('T', ' ')}</span>
          ) : null}
          <p className="hint">{s.detail}</p>
          {s.remoteIds.length > 0 && <p className="hint">Platform ids: {s.remoteIds.join(', ')}</p>}
        </li>
      ))}
    </ol>
  );
}

/**
 * "Rotate…" in the key details: what each step does on the platform and the overlap's end
 * before anything starts, then the steps as they are done, what the rotation waits for, and —
 * for one-key platforms — what to paste where and the button that confirms the paste.
 */
export function RotateWizard({
  keyId,
  onChanged,
  onClose,
}: {
  keyId: string;
  /** The key table changes (a successor, a retiring key): the screen reloads it. */
  onChanged: () => void;
  onClose: () => void;
}) {
  const [plan, setPlan] = useState<RotationPlan | null>(null);
  const [outcome, setOutcome] = useState<RotationOutcomeView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [overlap, setOverlap] = useState('');
  const [switchAt, setSwitchAt] = useState('');
  const [projectId, setProjectId] = useState('');
  const [aud, setAud] = useState('');
  const [copied, setCopied] = useState<string | null>(null);
  const job = useJob();

  const load = useCallback(async () => {
    try {
      const loaded = await call('rotationPlan', { id: keyId });
      setPlan(loaded);
      setOutcome(loaded.current);
      if (loaded.overlapSeconds) setOverlap(spanText(loaded.overlapSeconds));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [keyId]);
  useEffect(() => void load(), [load]);

  if (!plan) return error ? <Notice error={error} /> : null;
  const current = outcome;
  const confirmMode = plan.mode === 'confirm';

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    const seconds = confirmMode ? undefined : parseSpan(overlap);
    if (!confirmMode && seconds === null) {
      setError('The overlap must be a duration such as 90m, 24h or 7d.');
      return;
    }
    try {
      const result = await job.run((jobId) =>
        call('startRotation', {
          jobId,
          id: keyId,
          ...(seconds ? { overlapSeconds: seconds } : {}),
          ...(switchAt ? { switchAt: new Date(switchAt).toISOString() } : {}),
          ...(plan.needsIssuerSettings
            ? {
                projectId,
                aud: aud
                  .split(',')
                  .map((a) => a.trim())
                  .filter(Boolean),
              }
            : {}),
        }),
      );
      setOutcome(result);
      onChanged();
    } catch (e) {
      setError(messageOf(e));
      void load();
    }
  };

  const carryOn = async (confirm: boolean): Promise<void> => {
    setError(null);
    setCopied(null);
    try {
      const result = await job.run((jobId) =>
        call('continueRotation', { jobId, id: keyId, confirm }),
      );
      setOutcome(result);
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const copySecret = async (): Promise<void> => {
    const successor = current?.rotation.successor;
    if (!successor) return;
    try {
      await call('copyKeySecret', { id: successor.id });
      setCopied('New secret copied from the keychain — the clipboard clears in 60 s');
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section className="panel rotate-wizard" aria-labelledby="rotate-title">
      <h2 id="rotate-title">Rotate “{plan.key.name}”</h2>
      <p>
        {confirmMode
          ? `${plan.platforms.join(', ')} holds one key: there is no overlap. Tokens minted with the old key stop working as soon as the platform holds the new one; redirect links are unaffected (they mint a fresh token at each click).`
          : `On ${plan.platforms.join(', ')}: the successor is published next to the old key, new tokens are signed by it at the switch, and the old key keeps verifying until the overlap ends.`}
      </p>
      <Notice error={error ?? current?.rotation.lastError ?? null} />
      {!current ? (
        <form onSubmit={(e) => void start(e)}>
          <StepList steps={plan.steps} />
          {!confirmMode && (
            <div className="grid">
              <label>
                Overlap
                <input
                  value={overlap}
                  onChange={(e) => setOverlap(e.target.value)}
                  placeholder="e.g. 7d"
                  aria-describedby="overlap-hint"
                />
              </label>
              <span id="overlap-hint" className="hint">
                {plan.overlapProblem ??
                  `Default ${formatSpan(plan.overlapSeconds ?? 0)}: the longest a token of this provider can live.`}
              </span>
              <label>
                Switch no earlier than (optional)
                <input
                  type="datetime-local"
                  value={switchAt}
                  onChange={(e) => setSwitchAt(e.target.value)}
                />
              </label>
            </div>
          )}
          {plan.needsIssuerSettings && (
            <div className="grid">
              <label>
                Native Frame project id
                <input value={projectId} onChange={(e) => setProjectId(e.target.value)} required />
              </label>
              <label>
                Audiences (comma-separated)
                <input value={aud} onChange={(e) => setAud(e.target.value)} />
              </label>
            </div>
          )}
          <div className="actions">
            <button type="submit" disabled={job.running}>
              Start rotation
            </button>
            <button type="button" onClick={onClose} disabled={job.running}>
              Close
            </button>
            <JobStatus job={job} />
          </div>
        </form>
      ) : (
        <>
          <StepList steps={current.rotation.steps} />
          {current.rotation.retireAfter && !current.rotation.completedAt && (
            <p>
              The overlap ends <strong>{current.rotation.retireAfter}</strong>: then the old key is
              retired (the app does it while open, or keycast maintain).
            </p>
          )}
          {current.done.length > 0 && (
            <ul className="done" aria-label="Done now">
              {current.done.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          {current.instructions.length > 0 && (
            <ol className="instructions" aria-label="What to paste where">
              {current.instructions.map((s) => (
                <li key={s.title}>
                  <strong>{s.title}</strong>
                  <p>{s.detail}</p>
                  {s.value && <CopyField label={s.title} value={s.value} multiline />}
                  {s.copiesSecret && (
                    <button type="button" onClick={() => void copySecret()}>
                      Copy the new secret
                    </button>
                  )}
                </li>
              ))}
            </ol>
          )}
          <Notice
            status={
              copied ??
              current.waiting?.message ??
              (current.rotation.completedAt ? 'The rotation is complete.' : null)
            }
          />
          <div className="actions">
            {current.waiting?.reason === 'confirmation' && (
              <button type="button" disabled={job.running} onClick={() => void carryOn(true)}>
                It is pasted — switch now
              </button>
            )}
            {!current.rotation.completedAt && current.waiting?.reason !== 'confirmation' && (
              <button type="button" disabled={job.running} onClick={() => void carryOn(false)}>
                Resume
              </button>
            )}
            <button type="button" onClick={onClose} disabled={job.running}>
              Close
            </button>
            <JobStatus job={job} />
          </div>
        </>
      )}
    </section>
  );
}
