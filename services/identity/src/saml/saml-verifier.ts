import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import type { SamlIssuerConfig } from '@portcullis/config';
import { errorCode, PortcullisError } from '@portcullis/errors';
import { isFailureCode } from '../domain/failure-codes.js';
import { VerifyError, type VerifyFailure, type VerifyOutcome } from '../domain/verify-outcome.js';
import type { AssertionLedger } from './assertion-ledger.js';
import { quote, readAssertion } from './saml-assertion.js';
import { checkValidity, principalOf } from './saml-principal.js';
import { attribute, childElements, isNamed, parseStrictXml, SAML_ASSERTION_NS, simpleText } from './xml-document.js';
import { verifiedAssertion, type IssuerKey } from './xml-signature.js';

/** A configured SAML issuer with its certificate read (the config adapter resolves the secret). */
export interface ResolvedSamlIssuer extends Omit<SamlIssuerConfig, 'certificate'> {
  readonly certificatePem: string;
}

/** Assertions longer than this (base64 characters) are refused before decoding: real ones are a few kB. */
export const MAX_ASSERTION_LENGTH = 16 * 1024;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** xs:ID is an NCName; this is its ASCII subset, which is what IdPs generate, bounded like a jti. */
const ASSERTION_ID = /^[A-Za-z_][A-Za-z0-9._-]{0,511}$/;
/** RSA keys below this size are refused at startup (NIST SP 800-131A). */
const MIN_RSA_BITS = 2048;

interface TrustedIssuer {
  readonly config: ResolvedSamlIssuer;
  readonly key: IssuerKey;
}

/** The parsed document, before anything in it is trusted. */
interface Presented {
  readonly xml: string;
  readonly root: Element;
  readonly id: string;
  /** The root's Issuer, unverified: it only chooses which configured issuer to check against. */
  readonly issuer: string;
}

/**
 * Verifies SAML 2.0 bearer assertions (a standalone, signed `<saml:Assertion>`, base64) from the
 * configured IdPs and turns them into principals.
 *
 * The unverified Issuer only chooses the configured issuer (exact match); the signature is then
 * checked with that issuer's certificate alone, and everything the principal is made of is read
 * from the XML the signature covers. An assertion opens one session: it is consumed in the ledger,
 * and a later request of that session presents it as `continuing`. Every refusal is a value with a
 * typed code; only a bug or a failing ledger throws.
 */
export class SamlVerifier {
  private readonly issuers: ReadonlyMap<string, TrustedIssuer>;

  /** Throws when an issuer's certificate cannot be used (a configuration error, found at startup). */
  constructor(
    issuers: readonly ResolvedSamlIssuer[],
    private readonly ledger: AssertionLedger,
    private readonly clock: () => Date,
  ) {
    this.issuers = new Map(issuers.map((issuer) => [issuer.issuer, { config: issuer, key: issuerKeyOf(issuer) }]));
  }

  /**
   * `continuing`: the assertion already opened the session this request continues: everything is
   * checked but it is not consumed; it must have been consumed before, or it is refused.
   */
  async verify(assertionBase64: string, options: { readonly continuing: boolean }): Promise<VerifyOutcome> {
    const presented = readPresented(assertionBase64);
    if ('code' in presented) return refuse(presented);
    const issuer = this.issuers.get(presented.issuer);
    if (!issuer) {
      return refuse({ code: 'ISSUER_UNTRUSTED', message: `assertion issuer ${quote(presented.issuer)} is not trusted by this gateway`, issuer: clip(presented.issuer) });
    }
    try {
      return await this.verifyWith(presented, issuer, options.continuing);
    } catch (err) {
      const code = errorCode(err);
      if (!isFailureCode(code)) throw err;
      const { message, detail } = err as VerifyError;
      return refuse({ code, message, issuer: issuer.config.issuer, ...(detail === undefined ? {} : { detail }) });
    }
  }

  private async verifyWith(presented: Presented, issuer: TrustedIssuer, continuing: boolean): Promise<VerifyOutcome> {
    const now = this.clock();
    const assertion = readAssertion(verifiedAssertion(presented.xml, presented.root, presented.id, issuer.key));
    if (assertion.issuer !== issuer.config.issuer) throw new VerifyError('ASSERTION_INVALID', 'the signed Issuer is not the one the assertion was checked against');
    const expiresAt = checkValidity(assertion, issuer.config, now);
    const result = principalOf(assertion, issuer.config, expiresAt);
    // Last, so that only an assertion that passes everything else is recorded.
    if (continuing) {
      if (!(await this.ledger.seen(issuer.config.issuer, assertion.id))) {
        throw new VerifyError('ASSERTION_INVALID', 'assertion has not opened a session; present it without "continuing" first');
      }
    } else {
      // Remembered for as long as the assertion could still be accepted.
      const until = new Date(expiresAt.getTime() + issuer.config.clockTolerance);
      if (!(await this.ledger.consume(issuer.config.issuer, assertion.id, until))) throw new VerifyError('ASSERTION_REPLAYED', 'assertion has already been used');
    }
    return { ok: true, ...result };
  }
}

/** The document, its root assertion's ID and its claimed Issuer, or why it cannot even be read. */
function readPresented(encoded: string): Presented | VerifyFailure {
  if (typeof encoded !== 'string' || encoded.length === 0) return malformed('assertion is empty');
  if (encoded.length > MAX_ASSERTION_LENGTH) return malformed(`assertion is longer than ${MAX_ASSERTION_LENGTH} characters`);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return malformed('assertion is not base64');
  const bytes = Buffer.from(encoded, 'base64');
  // Node's decoder ignores non-zero padding bits: the round trip refuses a second spelling of the same bytes.
  if (bytes.toString('base64') !== encoded) return malformed('assertion is not base64');
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return malformed('assertion is not UTF-8 text');
  }
  const parsed = parseStrictXml(xml, { canonical: false });
  if (!parsed.ok) return malformed(`assertion ${parsed.reason}`);
  const { root } = parsed;
  if (!isNamed(root, SAML_ASSERTION_NS, 'Assertion') || attribute(root, 'Version') !== '2.0') return malformed('assertion is not a SAML 2.0 Assertion');
  const id = attribute(root, 'ID');
  if (id === undefined || !ASSERTION_ID.test(id)) return malformed('assertion ID is missing or not an xs:ID of at most 512 characters');
  const [first] = childElements(root);
  const issuer = first && isNamed(first, SAML_ASSERTION_NS, 'Issuer') ? simpleText(first) : undefined;
  if (!issuer) return { code: 'ISSUER_UNTRUSTED', message: 'assertion names no Issuer (its first element)' };
  return { xml, root, id, issuer };
}

/**
 * The key of the issuer's certificate (a bare public key is accepted too), refused when no allowed
 * algorithm can use it. Its validity dates are not checked: SAML trusts the configured certificate
 * itself, as metadata does, and IdPs commonly sign with long-expired self-signed ones.
 */
function issuerKeyOf(issuer: ResolvedSamlIssuer): IssuerKey {
  const pem = issuer.certificatePem;
  const problem = (what: string, cause?: unknown) => new PortcullisError('CONFIG_INVALID', `SAML issuer "${issuer.issuer}": ${what}`, { cause });
  // createPublicKey would also derive a public key from a private one: a private key has no place here.
  const kind = /-----BEGIN CERTIFICATE-----/.test(pem) ? 'certificate' : /-----BEGIN PUBLIC KEY-----/.test(pem) ? 'public key' : undefined;
  if (!kind) throw problem('certificate is not a PEM certificate or public key');
  let key: KeyObject;
  try {
    key = kind === 'certificate' ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw problem(`the ${kind} cannot be read`, err);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS) return { key, type };
  if (type === 'ec') return { key, type };
  throw problem(`certificate key must be RSA of at least ${MIN_RSA_BITS} bits, or EC`);
}

function malformed(message: string): VerifyFailure {
  return { code: 'TOKEN_MALFORMED', message };
}

function refuse(failure: VerifyFailure): VerifyOutcome {
  return { ok: false, failure };
}

function clip(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
