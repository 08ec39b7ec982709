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
  const first = await askHidden('Passphrase: ');
  if (!options.confirm) return first;
  const second = await askHidden('Repeat the passphrase: ');
  if (first !== second)
    throw new InputError('The two passphrases differ: nothing was written. Try again.');
  return first;
}

/** Reads one line from the terminal in raw mode, showing nothing of what is typed. */
function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') {
          return finish(new InputError('Cancelled: nothing was changed.'));
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
