import type { KeyObject } from 'node:crypto';

/**
 * ROCA (CVE-2017-15361, Nemec et al. 2017) fingerprint: RSA moduli from the vulnerable Infineon
 * library satisfy n ≡ 65537^a (mod M) for a primorial M, so n mod p lies in the subgroup that
 * 65537 generates modulo each of these small primes. A random modulus passes for all of them
 * with negligible probability; a ROCA modulus always does.
 */
const ROCA_PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101,
  103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

const SUBGROUPS = ROCA_PRIMES.map((p) => {
  const members = new Set<number>();
  let value = 1;
  do {
    members.add(value);
    value = (value * (65537 % p)) % p;
  } while (!members.has(value));
  return { p: BigInt(p), members };
});

/** True when an RSA key's modulus carries the ROCA fingerprint. */
export function hasRocaFingerprint(key: KeyObject): boolean {
  const modulus = Buffer.from(String(key.export({ format: 'jwk' }).n), 'base64url');
  const n = BigInt(`0x${modulus.toString('hex') || '0'}`);
  return SUBGROUPS.every(({ p, members }) => members.has(Number(n % p)));
}

export const ROCA_MESSAGE =
  'This RSA key has the ROCA weakness (CVE-2017-15361, Infineon chips): its private key can be computed from the public key. Generate a new key.';
