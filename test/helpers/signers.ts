import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../../shared/algorithms.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { importSigningKey } from '../../main/core/keys/signingKey.ts';
import type { Signer } from '../../main/core/tokens/mint.ts';
import type { VerificationKey } from '../../main/core/tokens/verify.ts';

export interface TestKey {
  signer: Signer;
  verifier: VerificationKey;
  /** What an independent verifier (jsonwebtoken, node:crypto) gets: SPKI PEM or the raw secret. */
  independent: KeyObject;
}

/** A freshly generated key, loaded the way the vault loads one. */
export async function testKey(alg: Algorithm, kid = `kid-${alg}`): Promise<TestKey> {
  const material = await generateKeyMaterial(alg);
  const independent = material.publicJwk
    ? createPublicKey({ key: { ...material.publicJwk }, format: 'jwk' })
    : createSecretKey(Buffer.from(material.secret));
  const key = await importSigningKey(alg, Uint8Array.from(material.secret));
  return { signer: { alg, kid, key }, verifier: { kid, alg, key: independent }, independent };
}
