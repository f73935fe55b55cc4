import type { KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { VerifyError } from '../domain/verify-outcome.js';
import { attribute, childElements, containsComment, elementsWhere, isNamed, parseStrictXml, SAML_ASSERTION_NS, XMLDSIG_NS } from './xml-document.js';
import { DIGEST_ALGORITHMS, ENVELOPED_SIGNATURE, EXCLUSIVE_C14N, hashAlgorithmTable, SIGNATURE_ALGORITHMS, signatureAlgorithmTable, type KeyType } from './xmldsig-algorithms.js';

// The enveloped signature of a standalone assertion, checked the way SAML core §5.4 prescribes and
// nothing more lenient: one Signature, a child of the assertion right after its Issuer, one
// Reference to the assertion's own ID, enveloped-signature then exclusive canonicalization. What
// the caller reads afterwards is the canonical XML the signature covers, never the document it
// arrived in: whatever else that document holds, its content is unsigned.

/** The one key an issuer's assertions may be signed with: its configured certificate's. */
export interface IssuerKey {
  readonly key: KeyObject;
  readonly type: KeyType;
}

/**
 * Verifies the signature of `root` (the document's root assertion, whose ID is `id`) with `key`
 * alone — KeyInfo is never read — and returns the signed assertion, re-parsed from the canonical
 * XML the signature covers. Throws VerifyError for every refusal.
 */
export function verifiedAssertion(xml: string, root: Element, id: string, key: IssuerKey): Element {
  checkNotWrapped(root);
  const signature = envelopedSignature(root);
  checkSignedInfo(signature, id, key.type);
  const signed = new SignedXml({ publicCert: key.key, getCertFromKeyInfo: () => null });
  // The assertion's ID is its only identifier (SAML core §1.3.4); Id and id identify nothing here.
  signed.idAttributes = ['ID'];
  signed.SignatureAlgorithms = signatureAlgorithmTable();
  signed.HashAlgorithms = hashAlgorithmTable();
  const problem = signatureProblem(signed, signature, xml);
  if (problem) throw new VerifyError('SIGNATURE_INVALID', "assertion signature does not verify with the issuer's certificate", problem);
  const references = signed.getSignedReferences();
  if (references.length !== 1) throw new VerifyError('ASSERTION_INVALID', 'assertion signature must cover exactly one reference');
  const parsed = parseStrictXml(references[0]!, { canonical: true });
  if (!parsed.ok || !isNamed(parsed.root, SAML_ASSERTION_NS, 'Assertion') || attribute(parsed.root, 'ID') !== id) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature does not cover the assertion');
  }
  return parsed.root;
}

/**
 * Why xml-crypto refuses the signature, for the operator's log, or undefined when it verifies. Its
 * errors are plain Errors with no code to branch on, and their messages quote the document, so
 * they are summed up here in our words. Every structural reason it has was refused before.
 */
function signatureProblem(signed: SignedXml, signature: Element, xml: string): string | undefined {
  try {
    signed.loadSignature(signature);
    return signed.checkSignature(xml) ? undefined : 'the digest of the signed content does not match: it was changed after signing';
  } catch {
    return 'the SignatureValue does not verify with the configured certificate, or cannot be processed';
  }
}

/**
 * The root is the document's only assertion and no two elements share an ID, so that the one
 * element the Reference can resolve to is the root. Comments are refused too: a signature never
 * covers them (XMLDSig same-document references drop them), and one splitting a value
 * (`admin<!---->.evil`) is how a reader of the first text node is fooled.
 */
function checkNotWrapped(root: Element): void {
  if (containsComment(root)) throw new VerifyError('ASSERTION_INVALID', 'assertion holds comments, which its signature does not cover');
  if (elementsWhere(root, (el) => el.localName === 'Assertion').length !== 1) throw new VerifyError('ASSERTION_INVALID', 'document holds several assertions');
  const ids = new Set<string>();
  for (const element of elementsWhere(root, () => true)) {
    for (const attr of element.attributes) {
      // ID, Id and id, in any namespace: the spellings XML Signature implementations resolve.
      if (attr.localName?.toLowerCase() !== 'id') continue;
      if (ids.has(attr.value)) throw new VerifyError('ASSERTION_INVALID', 'document holds several elements with the same ID');
      ids.add(attr.value);
    }
  }
}

/** The document's only Signature, which must be the root assertion's second child (after Issuer). */
function envelopedSignature(root: Element): Element {
  // Counted by local name in any namespace: a look-alike is as much a second signature to a reader.
  const signatures = elementsWhere(root, (el) => el.localName === 'Signature');
  if (signatures.length === 0) throw new VerifyError('SIGNATURE_INVALID', 'assertion is not signed');
  if (signatures.length > 1) throw new VerifyError('ASSERTION_INVALID', 'assertion must hold exactly one signature');
  const signature = signatures[0]!;
  if (!isNamed(signature, XMLDSIG_NS, 'Signature') || childElements(root)[1] !== signature) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature must be enveloped: a child of the assertion, right after its Issuer');
  }
  return signature;
}

/**
 * Checks SignedInfo's algorithms and its one Reference. Shapes are matched exactly, in order
 * (XMLDSig §4), because xml-crypto looks some of these elements up by local name anywhere below
 * the Signature: the first it finds must be the one checked here.
 */
function checkSignedInfo(signature: Element, id: string, keyType: KeyType): void {
  const [signedInfo, signatureValue, ...rest] = childElements(signature);
  if (!signedInfo || !isNamed(signedInfo, XMLDSIG_NS, 'SignedInfo') || !signatureValue || !isNamed(signatureValue, XMLDSIG_NS, 'SignatureValue')) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature is not a SignedInfo and a SignatureValue');
  }
  // KeyInfo may stay (it is ignored); an Object could carry anything and SAML never uses one.
  if (rest.length > 1 || (rest[0] && !isNamed(rest[0], XMLDSIG_NS, 'KeyInfo'))) throw new VerifyError('ASSERTION_INVALID', 'assertion signature holds elements other than KeyInfo');
  const [c14n, method, reference, ...more] = childElements(signedInfo);
  if (!c14n || !isNamed(c14n, XMLDSIG_NS, 'CanonicalizationMethod') || !method || !isNamed(method, XMLDSIG_NS, 'SignatureMethod')) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature lacks its CanonicalizationMethod or SignatureMethod');
  }
  if (!reference || !isNamed(reference, XMLDSIG_NS, 'Reference') || more.length > 0) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature must hold exactly one Reference (SAML core §5.4.2)');
  }
  const spec = SIGNATURE_ALGORITHMS.get(attribute(method, 'Algorithm') ?? '');
  if (!spec) throw new VerifyError('ALGORITHM_NOT_ALLOWED', `assertion signature algorithm is not allowed (allowed: ${[...SIGNATURE_ALGORITHMS.keys()].map(shortName).join(', ')})`);
  if (spec.keyType !== keyType) throw new VerifyError('ALGORITHM_NOT_ALLOWED', `assertion signature algorithm needs ${spec.keyType.toUpperCase()} keys; the issuer's certificate holds an ${keyType.toUpperCase()} key`);
  if (!EXCLUSIVE_C14N.has(attribute(c14n, 'Algorithm') ?? '')) throw new VerifyError('ASSERTION_INVALID', 'assertion SignedInfo must use exclusive canonicalization');
  checkReference(reference, id);
}

function checkReference(reference: Element, id: string): void {
  const [transforms, digestMethod, digestValue, ...rest] = childElements(reference);
  if (!transforms || !isNamed(transforms, XMLDSIG_NS, 'Transforms') || !digestMethod || !isNamed(digestMethod, XMLDSIG_NS, 'DigestMethod')) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature Reference must list its Transforms and DigestMethod');
  }
  if (!digestValue || !isNamed(digestValue, XMLDSIG_NS, 'DigestValue') || rest.length > 0) throw new VerifyError('ASSERTION_INVALID', 'assertion signature Reference must hold one DigestValue');
  if (!DIGEST_ALGORITHMS.has(attribute(digestMethod, 'Algorithm') ?? '')) {
    throw new VerifyError('ALGORITHM_NOT_ALLOWED', `assertion digest algorithm is not allowed (allowed: ${[...DIGEST_ALGORITHMS.keys()].map(shortName).join(', ')})`);
  }
  if (attribute(reference, 'URI') !== `#${id}`) throw new VerifyError('ASSERTION_INVALID', "assertion signature must reference the assertion's own ID");
  const steps = childElements(transforms);
  const algorithms = steps.map((step) => (isNamed(step, XMLDSIG_NS, 'Transform') ? (attribute(step, 'Algorithm') ?? '') : ''));
  const [first, second, ...others] = algorithms;
  if (first !== ENVELOPED_SIGNATURE || (second !== undefined && !EXCLUSIVE_C14N.has(second)) || others.length > 0) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature transforms must be enveloped-signature, then exclusive canonicalization (SAML core §5.4.4)');
  }
  // Only exclusive canonicalization takes a parameter (InclusiveNamespaces); nothing may hide elsewhere.
  if (childElements(steps[0]!).length > 0 || steps.slice(1).some((step) => childElements(step).some((p) => p.localName !== 'InclusiveNamespaces'))) {
    throw new VerifyError('ASSERTION_INVALID', 'assertion signature transforms carry parameters they do not take');
  }
}

/** "rsa-sha256" for an algorithm identifier, for messages. */
function shortName(uri: string): string {
  return uri.slice(uri.lastIndexOf('#') + 1);
}
