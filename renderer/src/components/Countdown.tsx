import { useEffect, useState } from 'react';
import { countdown } from '../format.ts';

/** A live countdown to a token's expiry, ticking once a second. */
export function Countdown({
  expiresAt,
  now = Date.now,
}: {
  expiresAt: string;
  now?: () => number;
}) {
  const [ms, setMs] = useState(now());
  useEffect(() => {
    const timer = setInterval(() => setMs(now()), 1000);
    return () => clearInterval(timer);
  }, [now]);
  const { text, expired } = countdown(expiresAt, ms);
  return (
    <span className={expired ? 'badge bad' : 'badge ok'} data-testid="countdown">
      {text}
    </span>
  );
}
