import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keysFromJwks, verifySignature } from '../../main/core/tokens/verify.ts';
import { ROOT } from './cli.ts';

interface WycheproofCase {
  tcId: number;
  comment: string;
  jws: string;
  result: 'valid' | 'invalid';
  flags: string[];
}
interface WycheproofGroup {
  comment: string;
  public?: unknown;
  private?: unknown;
  tests: WycheproofCase[];
}

export interface Outcome {
  tcId: number;
  comment: string;
  expected: 'valid' | 'invalid';
  accepted: boolean;
  why: string;
}

/**
 * Runs one vendored Wycheproof file through Keycast's own verifier: the group's key goes through
 * the same strict JWK/JWKS reader as `token inspect --jwks`, then each JWS through verifySignature.
 */
export async function runWycheproof(file: string): Promise<Outcome[]> {
  const data = JSON.parse(
    readFileSync(join(ROOT, 'test', 'vectors', 'wycheproof', file), 'utf8'),
  ) as {
    testGroups: WycheproofGroup[];
  };
  const outcomes: Outcome[] = [];
  for (const group of data.testGroups) {
    let keys: ReturnType<typeof keysFromJwks> | undefined;
    let keyError = '';
    try {
      // A public key verifies; HMAC groups carry only the shared secret.
      keys = keysFromJwks(group.public ?? group.private);
    } catch (error) {
      keyError = `key refused: ${(error as Error).message}`;
    }
    for (const test of group.tests) {
      let accepted = false;
      let why = keyError;
      if (keys) {
        try {
          await verifySignature(test.jws, keys);
          accepted = true;
          why = 'accepted';
        } catch (error) {
          why = (error as Error).message;
        }
      }
      outcomes.push({
        tcId: test.tcId,
        comment: test.comment,
        expected: test.result,
        accepted,
        why,
      });
    }
  }
  return outcomes;
}
