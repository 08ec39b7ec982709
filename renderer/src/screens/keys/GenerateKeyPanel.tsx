import { useState, type FormEvent } from 'react';
import { ALGORITHMS, type Algorithm } from '../../../../shared/algorithms.ts';
import type { KeyView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { JobStatus } from '../../components/JobStatus.tsx';
import { useJob } from '../../useJob.ts';
import { ProviderSelect } from './ProviderSelect.tsx';

/** Makes a new key pair (or secret) here; its private part goes straight to the keychain. */
export function GenerateKeyPanel({
  onDone,
  onError,
}: {
  onDone: (key: KeyView) => void;
  onError: (m: string) => void;
}) {
  const [alg, setAlg] = useState<Algorithm>('RS256');
  const [bits, setBits] = useState(2048);
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [days, setDays] = useState('');
  const job = useJob();
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      const { key } = await job.run((jobId) =>
        call('generateKey', {
          jobId,
          alg,
          bits: rsa ? bits : undefined,
          name: name.trim() || undefined,
          provider: provider || undefined,
          expiresInDays: days ? Number(days) : undefined,
        }),
      );
      onDone(key);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-label="Generate a key">
      <div className="grid">
        <label>
          Algorithm
          <select value={alg} onChange={(e) => setAlg(e.target.value as Algorithm)}>
            {ALGORITHMS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        {rsa && (
          <label>
            RSA size
            <select value={bits} onChange={(e) => setBits(Number(e.target.value))}>
              {[2048, 3072, 4096].map((b) => (
                <option key={b} value={b}>
                  {b} bits
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. kinescope-2026"
          />
        </label>
        <ProviderSelect value={provider} onChange={setProvider} />
        <label>
          Expires in (days)
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
          />
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={job.running}>
          {job.running ? 'Generating…' : 'Generate'}
        </button>
        <JobStatus job={job} />
      </div>
    </form>
  );
}
