import { createPrivateKey, type KeyObject } from 'node:crypto';
import { familyOf, isAlgorithm, type Algorithm } from '../../../shared/algorithms.ts';
import { InputError, shown } from '../errors.ts';
import { readJsonInput } from '../json.ts';
import { keyPairMatches } from './consistency.ts';
import type { KeyMaterial, PublicJwkBody } from './material.ts';
import { publicBodyOf } from './publicJwk.ts';
import { ROCA_MESSAGE, hasRocaFingerprint } from './roca.ts';
import {
  KEYCHAIN_ITEM_BYTES,
  NODE_CURVE_ALGS,
  RSA_EXPONENT,
  RSA_MAX_BITS,
  RSA_MIN_BITS,
  specOf,
} from './spec.ts';

export const SECRET_ENCODINGS = ['text', 'base64', 'base64url', 'hex'] as const;
export type SecretEncoding = (typeof SECRET_ENCODINGS)[number];

export interface ImportOptions {
  /** Required for raw HMAC secrets and to choose RS/PS for RSA keys; checked against the key. */
  alg?: Algorithm;
  /** How a raw HMAC secret is written. Default `text` (Ant Media's secrets are plain strings). */
  secretEncoding?: SecretEncoding;
}

/**
 * Reads a private key or HMAC secret a person brought: PEM (PKCS#8, PKCS#1, SEC1), a private
 * JWK, or a raw secret. Refuses anything Keycast would not generate itself.
 */
export function importKeyMaterial(input: string, options: ImportOptions = {}): KeyMaterial {
  const text = input.trim();
  if (text === '')
    throw new InputError('The key input is empty: give a PEM file, a private JWK or a secret.');
  if (text.includes('-----BEGIN')) return fromPem(text, options);
  if (text.startsWith('{')) return fromJwk(text, options);
  if (options.alg && familyOf(options.alg) === 'oct') {
    return fromSecret(text, options.alg, options.secretEncoding ?? 'text');
  }
  throw new InputError(
    'This is neither a PEM key nor a JWK. To import it as an HMAC secret, pass --alg HS256 (or HS384/HS512).',
  );
}

function fromPem(pem: string, options: ImportOptions): KeyMaterial {
  if (pem.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new InputError(
      'This PEM key is encrypted with a passphrase; decrypt it first (openssl pkey -in key.pem -out plain.pem) and import the result.',
    );
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new InputError(
      'This PEM holds a public key or certificate, not a private key: Keycast needs the private key to sign.',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new InputError(
      'The PEM private key could not be read: check that the file is complete.',
      {
        cause,
      },
    );
  }
  return fromKeyObject(key, options.alg);
}

function fromJwk(text: string, options: ImportOptions): KeyMaterial {
  const parsed = readJsonInput(text, 'JWK');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('The JWK is not a JSON object: check that the file is complete.');
  }
  const jwk = parsed as Record<string, unknown>;
  if (Array.isArray(jwk.keys)) {
    throw new InputError('This is a JWKS (a set of public keys). Import one private JWK instead.');
  }
  const declared = jwkAlg(jwk);
  const alg = reconcileAlg(declared, options.alg);
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new InputError(
      `This JWK is marked use "${shown(jwk.use)}"; Keycast only imports signing keys.`,
    );
  }
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string')
      throw new InputError('This oct JWK has no "k" member: there is no secret to import.');
    const material = fromSecret(jwk.k, alg ?? 'HS256', 'base64url');
    return withKid(material, jwk.kid);
  }
  if (jwk.d === undefined) {
    throw new InputError(
      'This JWK is a public key (it has no "d"): Keycast needs the private key to sign.',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new InputError('The private JWK could not be read: a member is missing or malformed.', {
      cause,
    });
  }
  return withKid(fromKeyObject(key, alg, jwk), jwk.kid);
}

/** The JWK's own public members (n/e, crv/x/y), not the ones Node derives from its private part. */
function ownPublicMembers(
  jwk: Record<string, unknown>,
  derived: PublicJwkBody | null,
): PublicJwkBody {
  const own: Record<string, unknown> = {};
  for (const member of Object.keys(derived ?? {})) own[member] = jwk[member];
  return own as unknown as PublicJwkBody;
}

function jwkAlg(jwk: Record<string, unknown>): Algorithm | undefined {
  if (jwk.alg === undefined) return undefined;
  if (typeof jwk.alg !== 'string' || !isAlgorithm(jwk.alg)) {
    throw new InputError(`The JWK's algorithm "${shown(jwk.alg)}" is not one Keycast signs with.`);
  }
  return jwk.alg;
}

function reconcileAlg(
  fromKey: Algorithm | undefined,
  requested: Algorithm | undefined,
): Algorithm | undefined {
  if (fromKey && requested && fromKey !== requested) {
    throw new InputError(
      `The key is marked ${fromKey} but --alg ${requested} was given: drop --alg or fix the key.`,
    );
  }
  return requested ?? fromKey;
}

function withKid(material: KeyMaterial, kid: unknown): KeyMaterial {
  return typeof kid === 'string' && kid !== '' ? { ...material, suggestedKid: kid } : material;
}

/**
 * Parts of different keys load without complaint, then sign tokens that never verify: a JWK is
 * checked against its own public members, a PEM against the public key its private part implies.
 */
function fromKeyObject(
  key: KeyObject,
  requested: Algorithm | undefined,
  jwk?: Record<string, unknown>,
): KeyMaterial {
  const alg = algorithmFor(key, requested);
  const publicJwk = publicBodyOf(key);
  if (!keyPairMatches(key, jwk ? ownPublicMembers(jwk, publicJwk) : publicJwk)) {
    throw new InputError(
      jwk
        ? 'The private and public parts of this JWK belong to different keys (its d, p or q come from another key): tokens it signs would never verify. Export the key again from where it was made.'
        : 'This private key is damaged: its parts do not belong to one key, so tokens it signs would never verify. Export it again from where it was made.',
    );
  }
  return { alg, secret: new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })), publicJwk };
}

function algorithmFor(key: KeyObject, requested: Algorithm | undefined): Algorithm {
  const details = key.asymmetricKeyDetails ?? {};
  const mismatch = (family: string): InputError =>
    new InputError(
      `This is ${family} key, which cannot sign with ${requested}: choose a matching --alg.`,
    );
  switch (key.asymmetricKeyType) {
    case 'rsa-pss':
      throw new InputError(
        'This is an RSA-PSS-only key (OID rsassaPss), which Keycast cannot store or publish as a JWK: import an ordinary RSA key (BEGIN RSA PRIVATE KEY, or PKCS#8 with rsaEncryption), which signs PS256 as well.',
      );
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS) {
        throw new InputError(
          `This RSA key has ${bits} bits; Keycast requires at least ${RSA_MIN_BITS} (RFC 8725, NIST).`,
        );
      }
      if (bits > RSA_MAX_BITS) {
        throw new InputError(
          `This RSA key has ${bits} bits; Keycast stores keys up to ${RSA_MAX_BITS} bits so they fit every OS keychain.`,
        );
      }
      if (details.publicExponent !== RSA_EXPONENT) {
        throw new InputError(
          `This RSA key's public exponent is ${String(details.publicExponent)}; only 65537 is accepted.`,
        );
      }
      if (hasRocaFingerprint(key)) {
        throw new InputError(ROCA_MESSAGE);
      }
      if (requested && familyOf(requested) !== 'RSA') throw mismatch('an RSA');
      return requested ?? 'RS256';
    }
    case 'ec': {
      const alg = NODE_CURVE_ALGS[details.namedCurve ?? ''];
      if (!alg) {
        throw new InputError(
          `This EC key uses curve ${details.namedCurve}; Keycast supports P-256 (ES256) and P-384 (ES384).`,
        );
      }
      if (requested && requested !== alg) throw mismatch(`a ${specOf(alg).curve} EC`);
      return alg;
    }
    case 'ed25519':
      if (requested && requested !== 'EdDSA') throw mismatch('an Ed25519');
      return 'EdDSA';
    default:
      throw new InputError(
        `Keys of type ${key.asymmetricKeyType} are not supported: use RSA, EC P-256/P-384 or Ed25519.`,
      );
  }
}

function fromSecret(text: string, alg: Algorithm, encoding: SecretEncoding): KeyMaterial {
  if (familyOf(alg) !== 'oct') {
    throw new InputError(`A raw secret can only be an HMAC key (HS256/HS384/HS512), not ${alg}.`);
  }
  const secret = decodeSecret(text, encoding);
  const minimum = specOf(alg).hmacBytes ?? 32;
  if (secret.length < minimum) {
    throw new InputError(
      `This secret is ${secret.length} bytes; ${alg} needs at least ${minimum} bytes (${minimum} characters of text), as long as the hash. Ant Media requires 32+ characters.`,
    );
  }
  if (secret.length > KEYCHAIN_ITEM_BYTES) {
    throw new InputError(
      `This secret is ${secret.length} bytes; Keycast stores secrets of at most ${KEYCHAIN_ITEM_BYTES} bytes so they fit every OS keychain (${alg} needs only ${minimum}). Use a shorter secret.`,
    );
  }
  return { alg, secret, publicJwk: null };
}

function decodeSecret(text: string, encoding: SecretEncoding): Uint8Array {
  const patterns: Record<Exclude<SecretEncoding, 'text'>, RegExp> = {
    hex: /^(?:[0-9a-fA-F]{2})+$/,
    base64: /^[A-Za-z0-9+/]+={0,2}$/,
    base64url: /^[A-Za-z0-9_-]+$/,
  };
  if (encoding === 'text') return new Uint8Array(Buffer.from(text, 'utf8'));
  if (!patterns[encoding].test(text)) {
    throw new InputError(`The secret is not valid ${encoding}: check --secret-encoding.`);
  }
  return new Uint8Array(Buffer.from(text, encoding));
}
