/** An error (role=alert) or a quiet status line (role=status). */
export function Notice({ error, status }: { error?: string | null; status?: string | null }) {
  if (error)
    return (
      <p role="alert" className="notice bad">
        {error}
      </p>
    );
  if (status)
    return (
      <p role="status" className="notice">
        {status}
      </p>
    );
  return null;
}
