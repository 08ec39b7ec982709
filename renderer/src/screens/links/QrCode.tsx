import { useMemo } from 'react';
import { create } from 'qrcode';

/** Light modules around the code, as the QR specification asks for readers to find it. */
const QUIET_ZONE = 4;

/** The dark modules of a QR code for `text` as one SVG path, and the side in modules. */
export function qrPath(text: string): { side: number; d: string } {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { side: modules.size + 2 * QUIET_ZONE, d: parts.join('') };
}

/**
 * A QR code drawn by the qrcode library's encoder as inline SVG: no canvas, no data URL, nothing
 * fetched. Dark on white in every theme, so a phone reads it from the screen.
 */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { side, d } = useMemo(() => qrPath(value), [value]);
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${side} ${side}`}
      shapeRendering="crispEdges"
    >
      <rect width={side} height={side} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}
