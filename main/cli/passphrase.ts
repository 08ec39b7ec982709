import { InputError } from '../core/errors.ts';
import { readStreamCapped } from '../core/input.ts';

/**
 * A backup passphrase: asked on the terminal without echo (twice when it is being chosen), or read
 * as the first line of standard input for scripts. Never from argv, where other users and shell
 * history can see it.
 */
export async function readPassphrase(options: { confirm: boolean }): Promise<string> {
  if (!process.stdin.isTTY) {
    const text = await readStreamCapped(process.stdin, 'passphrase', 4096);
    const passphrase = text.split(/\r?\n/)[0] ?? '';
    if (passphrase === '') {
      throw new InputError(
        'No passphrase was given: type it when asked, or send it on standard input (printf %s "$PASSPHRASE" | keycast …).',
      );
    }
    return passphrase;
  }
  const reader = new HiddenLines(process.stdin);
  try {
    const first = await reader.ask('Passphrase: ');
    if (!options.confirm) return first;
    const second = await reader.ask('Repeat the passphrase: ');
    if (first !== second)
      throw new InputError('The two passphrases differ: nothing was written. Try again.');
    return first;
  } finally {
    reader.close();
  }
}

/**
 * Lines typed on the terminal in raw mode, echoing nothing. Text typed (or pasted) ahead of a
 * prompt is kept for it; arrow keys and other escape sequences are ignored rather than becoming
 * part of the passphrase.
 */
class HiddenLines {
  private readonly input: NodeJS.ReadStream;
  private readonly lines: string[] = [];
  private current = '';
  private escape: 'none' | 'start' | 'sequence' = 'none';
  private failure: InputError | null = null;
  private wake: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    for (const char of chunk.toString('utf8')) this.take(char);
    this.wake?.();
  };

  constructor(input: NodeJS.ReadStream) {
    this.input = input;
    input.setRawMode(true);
    input.resume();
    input.on('data', this.onData);
  }

  async ask(prompt: string): Promise<string> {
    process.stderr.write(prompt);
    while (this.lines.length === 0 && !this.failure) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    process.stderr.write('\n');
    if (this.failure) throw this.failure;
    return this.lines.shift()!;
  }

  close(): void {
    this.input.removeListener('data', this.onData);
    this.input.setRawMode(false);
    this.input.pause();
  }

  private take(char: string): void {
    if (this.escape === 'start') {
      this.escape = char === '[' || char === 'O' ? 'sequence' : 'none';
      return;
    }
    if (this.escape === 'sequence') {
      if (/[A-Za-z~]/.test(char)) this.escape = 'none';
      return;
    }
    if (char === '\u001b') this.escape = 'start';
    else if (char === '\r' || char === '\n') {
      this.lines.push(this.current);
      this.current = '';
    } else if (char === '\u0003' || char === '\u0004') {
      this.failure = new InputError('Cancelled: nothing was changed.');
    } else if (char === '\u007f' || char === '\b') this.current = this.current.slice(0, -1);
    else if (char >= ' ') this.current += char;
  }
}
