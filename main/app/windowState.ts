import type { WindowBounds } from '../core/ipc/settingsStore.ts';

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1200, height: 800, maximized: false };
const MIN = { width: 800, height: 560 };

/**
 * The saved size and position, if they still fit on a screen: a window saved on a monitor that
 * is gone comes back centred on the primary one, never off-screen.
 */
export function restoreBounds(saved: WindowBounds | undefined, screens: Area[]): WindowBounds {
  if (!saved) return DEFAULT_BOUNDS;
  const width = Math.max(MIN.width, Math.round(saved.width));
  const height = Math.max(MIN.height, Math.round(saved.height));
  const { x, y } = saved;
  if (x === undefined || y === undefined) return { width, height, maximized: saved.maximized };
  const visible = screens.some(
    (s) =>
      x + 100 <= s.x + s.width && x + width - 100 >= s.x && y >= s.y && y + 40 <= s.y + s.height,
  );
  return visible
    ? { x, y, width, height, maximized: saved.maximized }
    : { width, height, maximized: saved.maximized };
}
