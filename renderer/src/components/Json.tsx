/** Decoded JSON, labelled; read-only. */
export function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <figure className="json">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0} aria-label={label}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </figure>
  );
}
