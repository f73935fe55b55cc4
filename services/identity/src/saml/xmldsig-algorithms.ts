import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify, type KeyLike } from 'node:crypto';
import { createOptionalCallbackFunction, type HashAlgorithm, type SignatureAlgorithm } from 'xml-crypto';

// The XML Signature algorithms an assertion may use, by their RFC 6931 identifiers. SHA-1 is
// refused in signatures and digests alike (chosen-prefix collisions are practical), and so is
// every algorithm not listed, RSA-PSS and HMAC included.
// xml-crypto knows neither RSA-SHA384 nor ECDSA nor a SHA-384 digest, so all of them are
// implemented here with node:crypto and handed to it in place of its own tables.

export type KeyType = 'rsa' | 'ec';
type Hash = 'sha256' | 'sha384' | 'sha512';

interface SignatureSpec {
  readonly hash: Hash;
  /** The key the algorithm needs; a certificate of another type cannot have made the signature. */
  readonly keyType: KeyType;
}

/** Signature algorithms allowed in SignatureMethod. Maps, not objects: the identifier is attacker-chosen. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureSpec> = new Map([
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', { hash: 'sha256', keyType: 'rsa' }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', { hash: 'sha384', keyType: 'rsa' }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', { hash: 'sha512', keyType: 'rsa' }],
  ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', { hash: 'sha256', keyType: 'ec' }],
  ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384', { hash: 'sha384', keyType: 'ec' }],
  ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512', { hash: 'sha512', keyType: 'ec' }],
]);

/** Digest algorithms allowed in a Reference's DigestMethod. */
export const DIGEST_ALGORITHMS: ReadonlyMap<string, Hash> = new Map([
  ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
  ['http://www.w3.org/2001/04/xmldsig-more#sha384', 'sha384'],
  ['http://www.w3.org/2001/04/xmlenc#sha512', 'sha512'],
]);

export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
/** Exclusive canonicalization, the one SAML recommends (SAML core §5.4.3), with or without comments. */
export const EXCLUSIVE_C14N: ReadonlySet<string> = new Set(['http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments']);

/** xml-crypto's signature table, holding only the allowed algorithms. */
export function signatureAlgorithmTable(): Record<string, new () => SignatureAlgorithm> {
  const table: Record<string, new () => SignatureAlgorithm> = Object.create(null);
  for (const [uri, spec] of SIGNATURE_ALGORITHMS) table[uri] = signatureAlgorithm(uri, spec);
  return table;
}

/** xml-crypto's digest table, holding only the allowed algorithms. */
export function hashAlgorithmTable(): Record<string, new () => HashAlgorithm> {
  const table: Record<string, new () => HashAlgorithm> = Object.create(null);
  for (const [uri, hash] of DIGEST_ALGORITHMS) {
    table[uri] = class implements HashAlgorithm {
      getAlgorithmName = () => uri;
      getHash = (xml: string) => createHash(hash).update(xml, 'utf8').digest('base64');
    };
  }
  return table;
}

/**
 * ECDSA signature values are r || s, each the size of the curve order (XMLDSig 1.1 §6.4.3,
 * RFC 4050), which node:crypto calls IEEE P1363; RSA is PKCS #1 v1.5.
 */
function signatureAlgorithm(uri: string, spec: SignatureSpec): new () => SignatureAlgorithm {
  const encoding = spec.keyType === 'ec' ? ({ dsaEncoding: 'ieee-p1363' } as const) : {};
  return class implements SignatureAlgorithm {
    getAlgorithmName = () => uri;
    getSignature = createOptionalCallbackFunction((signedInfo: Parameters<typeof sign>[1], key: KeyLike) =>
      sign(spec.hash, signedInfo, { key: keyObject(key, createPrivateKey), ...encoding }).toString('base64'),
    );
    verifySignature = createOptionalCallbackFunction((material: string, key: KeyLike, signatureValue: string) =>
      verify(spec.hash, Buffer.from(material, 'utf8'), { key: keyObject(key, createPublicKey), ...encoding }, Buffer.from(signatureValue, 'base64')),
    );
  };
}

function keyObject(key: KeyLike, read: (pem: string | Buffer) => KeyObject): KeyObject {
  return key instanceof KeyObject ? key : read(key);
}
