/** The system clipboard as main sees it (Electron's clipboard, asynchronous since Electron 45). */
export interface Clipboard {
  readText(): Promise<string>;
  writeText(text: string): Promise<void>;
}

export const CLEAR_AFTER_MS = 60_000;

/**
 * Copies text; a token or key field is cleared again after 60 s — but only if the clipboard
 * still holds it, so whatever the user copied since is left alone.
 */
export class ClipboardGuard {
  private readonly clipboard: Clipboard;
  private pending: { timer: ReturnType<typeof setTimeout>; text: string } | undefined;

  constructor(clipboard: Clipboard) {
    this.clipboard = clipboard;
  }

  async copy(
    text: string,
    sensitive: boolean,
    now = Date.now(),
  ): Promise<{ clearsAt: string | null }> {
    await this.clipboard.writeText(text);
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    if (!sensitive) return { clearsAt: null };
    const timer = setTimeout(() => void this.clearIfStill(text), CLEAR_AFTER_MS);
    timer.unref?.();
    this.pending = { timer, text };
    return { clearsAt: new Date(now + CLEAR_AFTER_MS).toISOString() };
  }

  /** On quit: clear a sensitive value that is still on the clipboard. */
  async flush(): Promise<void> {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    await this.clearIfStill(this.pending.text);
  }

  private async clearIfStill(text: string): Promise<void> {
    this.pending = undefined;
    try {
      if ((await this.clipboard.readText()) === text) await this.clipboard.writeText('');
    } catch {
      // The clipboard can be unavailable for a moment (another app holds it); nothing to undo.
    }
  }
}
