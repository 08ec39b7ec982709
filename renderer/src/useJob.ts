import { useEffect, useRef, useState } from 'react';
import { call, newJobId } from './api.ts';

/** Long work in main: its progress line while it runs, and a cancel that main honours. */
export function useJob(): {
  stage: string | null;
  running: boolean;
  run: <T>(work: (jobId: string) => Promise<T>) => Promise<T>;
  cancel: () => void;
} {
  const [stage, setStage] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const current = useRef<string | null>(null);
  useEffect(
    () =>
      window.keycast.onProgress((p) => {
        if (p.jobId === current.current) setStage(p.stage);
      }),
    [],
  );
  return {
    stage,
    running,
    async run(work) {
      const jobId = newJobId();
      current.current = jobId;
      setRunning(true);
      setStage('Starting…');
      try {
        return await work(jobId);
      } finally {
        current.current = null;
        setRunning(false);
        setStage(null);
      }
    },
    cancel() {
      if (current.current) void call('cancelJob', { jobId: current.current });
    },
  };
}
