import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError } from './errors.ts';

/** Keys, JWKS, claims and templates are a few KB; 1 MiB leaves room and keeps memory bounded. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads a file a person named, as UTF-8, refusing anything that is not a regular file or is
 * larger than `maxBytes`. The descriptor is opened non-blocking so a FIFO with no writer never
 * hangs, and checked with fstat on the open descriptor so nothing can be swapped in between.
 * At most `maxBytes + 1` bytes are read, so a file that grows while it is read is still capped.
 */
export function readRegularFile(path: string, what: string, maxBytes = MAX_INPUT_BYTES): string {
  const refuse = (why: string, cause?: unknown): InputError =>
    new InputError(`Cannot read the ${what} from ${path}: ${why}.`, { cause });
  let fd: number;
  try {
    // O_NONBLOCK is 0 (absent) on Windows, where FIFOs do not appear as paths anyway.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw refuse(openFailure(cause), cause);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw refuse(
        `it is ${kindOf(stats)}, not a regular file; give a file, or "-" for standard input`,
      );
    }
    if (stats.size > maxBytes) {
      throw refuse(`it is ${formatBytes(stats.size)}; ${limitSentence(maxBytes, 'one file')}`);
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) {
        throw refuse(
          `it grew past ${formatBytes(maxBytes)} while being read; ${limitSentence(maxBytes, 'one file')}`,
        );
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    throw refuse(openFailure(cause), cause);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a stream (standard input) to its end, stopping as soon as more than `maxBytes` arrived:
 * an endless producer (`< /dev/zero`, `yes |`) ends in a sentence instead of filling memory.
 */
export async function readStreamCapped(
  stream: AsyncIterable<Buffer | string>,
  what: string,
  maxBytes = MAX_INPUT_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  // Leaving the loop early (throw) destroys the stream, so the producer sees a closed pipe.
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    length += bytes.length;
    if (length > maxBytes) {
      throw new InputError(
        `Cannot read the ${what} from standard input: it is longer than ${formatBytes(maxBytes)}; ${limitSentence(maxBytes, 'standard input')}.`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

function limitSentence(maxBytes: number, source: string): string {
  return `Keycast reads at most ${formatBytes(maxBytes)} from ${source}`;
}

/** Binary units throughout, so the size and the limit in one sentence compare at a glance. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
  return `${digits} ${units[unit]}`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function openFailure(cause: unknown): string {
  switch ((cause as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a regular file';
    case 'ELOOP':
      return 'it is a symbolic link that points to itself';
    default:
      return 'it cannot be read';
  }
}
