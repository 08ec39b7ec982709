/** Small text helpers both sides use: labels for field and link names, link checks. */

const ACRONYMS: Record<string, string> = {
  url: 'URL',
  id: 'ID',
  nf: 'Native Frame',
  tls: 'TLS',
  rtmp: 'RTMP',
  rtmps: 'RTMPS',
  srt: 'SRT',
};

/** "eventUrl" → "Event URL", "nfKid" → "Native Frame kid". */
export function labelOf(name: string): string {
  const words = name.split(/(?=[A-Z])/).map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
