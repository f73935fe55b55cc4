import { randomBytes } from 'node:crypto';
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

export const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** The XML-DSig algorithms of every signed assertion. */
export const SAML_SIGNATURE = {
  signatureMethod: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  digestMethod: 'http://www.w3.org/2001/04/xmlenc#sha256',
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const BASIC_ATTRIBUTE = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

/** Everything a dev-idp assertion says. */
export interface AssertionFields {
  /** The assertion's ID attribute, referenced by its signature (`#<id>`). */
  readonly id: string;
  /** `<saml:Issuer>`: the IdP's entity id. */
  readonly issuer: string;
  /** `<saml:Audience>` of the AudienceRestriction. */
  readonly audience: string;
  /** `<saml:NameID>` and the `client_id` attribute. */
  readonly clientId: string;
  /** One `groups` AttributeValue each. */
  readonly groups: readonly string[];
  readonly issueInstant: Date;
  readonly notBefore: Date;
  /** Conditions' and the bearer SubjectConfirmationData's NotOnOrAfter. */
  readonly notOnOrAfter: Date;
}

/** `_` + 128 random bits in hex: an xs:ID must not start with a digit. */
export function newAssertionId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** xs:dateTime in UTC, without fractional seconds when there are none. */
export function samlInstant(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * The unsigned, standalone `<saml:Assertion>`, in schema order (Issuer, [Signature], Subject,
 * Conditions, AuthnStatement, AttributeStatement), compact: no whitespace between elements,
 * since the assertion also travels as a PostgreSQL password and must stay small. Built as a
 * DOM, so no field can inject markup.
 */
export function assertionXml(fields: AssertionFields): string {
  const doc = new DOMImplementation().createDocument(SAML_ASSERTION_NS, 'saml:Assertion', null);
  const root = doc.documentElement!;
  // Declared first so it opens the start tag, where readers expect it.
  root.setAttributeNS(XMLNS_NS, 'xmlns:saml', SAML_ASSERTION_NS);
  root.setAttribute('Version', '2.0');
  root.setAttribute('ID', fields.id);
  root.setAttribute('IssueInstant', samlInstant(fields.issueInstant));
  const el = (parent: Element, name: string, attrs: Record<string, string> = {}, text?: string): Element =>
    element(doc, parent, name, attrs, text);

  el(root, 'saml:Issuer', {}, fields.issuer);

  const subject = el(root, 'saml:Subject');
  el(subject, 'saml:NameID', {}, fields.clientId);
  const confirmation = el(subject, 'saml:SubjectConfirmation', { Method: BEARER });
  el(confirmation, 'saml:SubjectConfirmationData', { NotOnOrAfter: samlInstant(fields.notOnOrAfter) });

  const conditions = el(root, 'saml:Conditions', {
    NotBefore: samlInstant(fields.notBefore),
    NotOnOrAfter: samlInstant(fields.notOnOrAfter),
  });
  el(el(conditions, 'saml:AudienceRestriction'), 'saml:Audience', {}, fields.audience);

  const authn = el(root, 'saml:AuthnStatement', { AuthnInstant: samlInstant(fields.issueInstant) });
  el(el(authn, 'saml:AuthnContext'), 'saml:AuthnContextClassRef', {}, PASSWORD_PROTECTED);

  const attributes = el(root, 'saml:AttributeStatement');
  const groups = el(attributes, 'saml:Attribute', { Name: 'groups', NameFormat: BASIC_ATTRIBUTE });
  for (const group of fields.groups) el(groups, 'saml:AttributeValue', {}, group);
  const clientId = el(attributes, 'saml:Attribute', { Name: 'client_id', NameFormat: BASIC_ATTRIBUTE });
  el(clientId, 'saml:AttributeValue', {}, fields.clientId);

  return new XMLSerializer().serializeToString(doc);
}

function element(doc: Document, parent: Element, name: string, attrs: Record<string, string>, text?: string): Element {
  const child = doc.createElementNS(SAML_ASSERTION_NS, name);
  for (const [attr, value] of Object.entries(attrs)) child.setAttribute(attr, value);
  if (text !== undefined) child.appendChild(doc.createTextNode(text));
  parent.appendChild(child);
  return child;
}

/**
 * Adds the enveloped `<ds:Signature>` right after `<saml:Issuer>`: RSA-SHA256 over the whole
 * assertion (Reference URI `#<ID>`), SHA-256 digest, enveloped-signature then exclusive c14n.
 * No KeyInfo: relying parties are configured with the certificate, and it would double the size.
 */
export function signAssertion(xml: string, privateKeyPem: string): string {
  const signer = new SignedXml({
    privateKey: privateKeyPem,
    signatureAlgorithm: SAML_SIGNATURE.signatureMethod,
    canonicalizationAlgorithm: SAML_SIGNATURE.canonicalization,
  });
  signer.addReference({
    xpath: "/*[local-name(.)='Assertion']",
    digestAlgorithm: SAML_SIGNATURE.digestMethod,
    transforms: [SAML_SIGNATURE.envelopedSignature, SAML_SIGNATURE.canonicalization],
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}
