/** Small pure helpers for what the screens show; tested on their own. */

export interface TtlPreset {
  label: string;
  seconds: number;
}

export const TTL_PRESETS: TtlPreset[] = [
  { label: '5 min', seconds: 300 },
  { label: '1 h', seconds: 3600 },
  { label: '24 h', seconds: 86_400 },
];

/** "1 h 5 min", "3 d", "45 s". */
export function formatSpan(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [d && `${d} d`, h && `${h} h`, m && `${m} min`, !d && !h && sec && `${sec} s`];
  const text = parts.filter(Boolean).join(' ');
  return text || '0 s';
}

/** The countdown text for a token: "expires in 4 min 59 s" or "expired 3 s ago". */
export function countdown(expiresAtIso: string, nowMs: number): { text: string; expired: boolean } {
  const left = Math.round((new Date(expiresAtIso).getTime() - nowMs) / 1000);
  if (left <= 0) return { text: `expired ${formatSpan(-left)} ago`, expired: true };
  const m = Math.floor(left / 60);
  const detail = left < 3600 ? `${m ? `${m} min ` : ''}${left % 60} s` : formatSpan(left);
  return { text: `expires in ${detail}`, expired: false };
}

export function daysUntil(iso: string, nowMs: number): number {
  return Math.ceil((new Date(iso).getTime() - nowMs) / 86_400_000);
}

export const shortDate = (iso: string | null): string => (iso ? iso.slice(0, 10) : '—');

/** The first and last characters of a long identifier, for a table cell. */
export function abbreviate(value: string | null, keep = 8): string {
  if (!value) return '—';
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}

export const LINK_LABELS: Record<string, string> = {
  obs: 'OBS',
  obsRtmps: 'OBS (RTMPS)',
  rtmp: 'RTMP URL',
  srt: 'SRT URL',
  webrtc: 'WebRTC',
  whip: 'WHIP',
  hls: 'HLS URL',
  dash: 'DASH URL',
  player: 'Player page',
  restApi: 'REST API',
  chat: 'Chat link',
  event: 'Event link',
  link: 'Link',
};

export const PART_LABELS: Record<string, string> = {
  server: 'Server',
  streamKey: 'Stream Key',
  url: 'URL',
  message: 'Message',
  authorization: 'Authorization header',
  bearerToken: 'Bearer Token (OBS)',
};
