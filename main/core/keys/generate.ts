import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { RSA_SIZES, familyOf, type Algorithm } from '../../../shared/algorithms.ts';
import { InputError } from '../errors.ts';
import type { KeyMaterial } from './material.ts';
import { publicBodyOf } from './publicJwk.ts';
import { specOf } from './spec.ts';

const generateKeyPairAsync = promisify(generateKeyPair);
const randomBytesAsync = promisify(randomBytes);

export interface GenerateOptions {
  /** RSA modulus size; only for RSA algorithms. Default 2048. */
  bits?: number;
  /**
   * HMAC only: a printable secret (base64url text, used as its UTF-8 bytes) for servers whose
   * settings take the secret as text, like Ant Media's jwtStreamSecretKey.
   */
  printable?: boolean;
}

/**
 * Generates a new key for `alg`. Node runs key generation on its thread pool, so even
 * RSA-4096 (seconds of work) never blocks the event loop.
 */
export async function generateKeyMaterial(
  alg: Algorithm,
  options: GenerateOptions = {},
): Promise<KeyMaterial> {
  const family = familyOf(alg);
  if (options.printable && family !== 'oct') {
    throw new InputError('Only HMAC secrets (HS256/384/512) can be generated as printable text.');
  }
  if (options.bits !== undefined && family !== 'RSA') {
    throw new InputError(`--bits only applies to RSA keys; ${alg} keys have a fixed size.`);
  }
  if (family === 'oct') {
    const random = await randomBytesAsync(specOf(alg).hmacBytes ?? 32);
    const secret = options.printable ? Buffer.from(random.toString('base64url'), 'utf8') : random;
    return { alg, secret: new Uint8Array(secret), publicJwk: null, origin: 'generated' };
  }
  const { privateKey, publicKey } = await generatePair(alg, options.bits);
  return {
    alg,
    secret: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    publicJwk: publicBodyOf(publicKey),
    origin: 'generated',
  };
}

async function generatePair(
  alg: Algorithm,
  bits: number | undefined,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const family = familyOf(alg);
  if (family === 'RSA') {
    const size = bits ?? 2048;
    if (!(RSA_SIZES as readonly number[]).includes(size)) {
      throw new InputError(
        `RSA keys can be ${RSA_SIZES.join(', ')} bits; ${size} is not one of them.`,
      );
    }
    return generateKeyPairAsync('rsa', { modulusLength: size, publicExponent: 0x10001 });
  }
  if (family === 'EC') {
    return generateKeyPairAsync('ec', { namedCurve: specOf(alg).curve ?? 'P-256' });
  }
  return generateKeyPairAsync('ed25519', {});
}
