import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasRocaFingerprint } from '../../main/core/keys/roca.ts';
import { runWycheproof, type Outcome } from '../helpers/wycheproof.ts';

/**
 * Where Keycast knowingly answers differently from the vector's label, and why. Every entry is
 * asserted to still differ, so a change in behaviour forces this list to be revisited.
 */
const EXPECTED_DIFFERENCES: Record<string, Record<number, string>> = {
  'json_web_signature_test.json': {
    259: 'empty payload: a valid JWS, but never a JWT (a JWT always carries a claims object)',
    264: 'empty payload: a valid JWS, but never a JWT',
    268: 'empty payload: a valid JWS, but never a JWT',
    272: 'empty payload: a valid JWS, but never a JWT',
    320: "PS384 is outside Keycast's algorithm allow-list (SECURITY.md §8)",
    321: 'PS384 is outside the allow-list',
    322: 'PS384 is outside the allow-list',
    323: 'PS384 is outside the allow-list',
    325: 'PS512 is outside the allow-list',
    326: 'PS512 is outside the allow-list',
    327: 'PS512 is outside the allow-list',
    328: 'PS512 is outside the allow-list',
    346: 'RFC 7520 Figure 20 is signed PS384 while its key says PS256: a key verifies only its own alg',
    350: 'RFC 7520 Figure 20 (with key_ops): PS384 token, PS256 key, refused for the same reason',
    347: 'ES512 (P-521) is outside the allow-list',
    351: 'ES512 (P-521) is outside the allow-list',
    367: 'mislabelled: the JWS has no padding at all, is canonical base64url and its HS256 MAC verifies',
    370: 'mislabelled: byte-identical to 367, a correct token',
    372: "lenient decoders skip the inserted character; Keycast's strict format check (SECURITY.md §13) refuses it",
    373: 'lenient decoders skip the inserted character; the strict format check refuses it',
  },
  'json_web_key_test.json': {},
};

describe.each(Object.keys(EXPECTED_DIFFERENCES))('Wycheproof %s', (file) => {
  let outcomes: Outcome[];
  beforeAll(async () => {
    outcomes = await runWycheproof(file);
  });

  it('runs every vector in the file', () => {
    expect(outcomes.length).toBe(file.includes('signature') ? 401 : 26);
  });

  it('agrees with every label except the documented differences', () => {
    const differences = EXPECTED_DIFFERENCES[file] ?? {};
    const unexpected = outcomes
      .filter((o) => (o.expected === 'valid') !== o.accepted && !(o.tcId in differences))
      .map(
        (o) =>
          `tc ${o.tcId} ${o.comment}: expected ${o.expected}, Keycast ${o.accepted ? 'accepted' : `refused (${o.why})`}`,
      );
    expect(unexpected).toEqual([]);
  });

  it('still differs where the list says so (the list is not stale)', () => {
    const differences = EXPECTED_DIFFERENCES[file] ?? {};
    const stale = outcomes
      .filter((o) => o.tcId in differences && (o.expected === 'valid') === o.accepted)
      .map((o) => o.tcId);
    expect(stale).toEqual([]);
  });

  it('never accepts a vector labelled invalid, apart from the mislabelled ones', () => {
    const accepted = outcomes
      .filter((o) => o.expected === 'invalid' && o.accepted)
      .map((o) => o.tcId);
    expect(
      accepted.filter((id) => ![367, 370].includes(id) || !file.includes('signature')),
    ).toEqual([]);
  });
});

describe('ROCA fingerprint', () => {
  it('does not flag ordinary RSA keys', () => {
    for (let i = 0; i < 5; i += 1) {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      expect(hasRocaFingerprint(publicKey)).toBe(false);
    }
  });
});
