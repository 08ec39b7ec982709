/** While long work runs in main: what it is doing, and a button to cancel it. */
export function JobStatus({
  job,
}: {
  job: { running: boolean; stage: string | null; cancel: () => void };
}) {
  if (!job.running) return null;
  return (
    <>
      <span role="status" className="progress">
        {job.stage}
      </span>
      <button type="button" onClick={job.cancel}>
        Cancel
      </button>
    </>
  );
}
