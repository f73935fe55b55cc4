import type { Element } from '@xmldom/xmldom';
import { VerifyError } from '../domain/verify-outcome.js';
import { attribute, childElements, childrenNamed, SAML_ASSERTION_NS, simpleText } from './xml-document.js';

// Reads a signed assertion (SAML core §2.3.3) into a domain value. Only the parts a bearer
// assertion for this gateway needs are read; every one of them must be shaped as the schema says,
// or the assertion is refused (ASSERTION_INVALID) rather than read with a guess.

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
/** SAML core §1.3.3: xs:dateTime in UTC. Fractions beyond milliseconds are truncated. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;
/** Conditions this reader understands (SAML core §2.5.1); any other makes the assertion indeterminate. */
const KNOWN_CONDITIONS: ReadonlySet<string> = new Set(['AudienceRestriction', 'OneTimeUse', 'ProxyRestriction']);

/** What a verified bearer assertion says, as signed. */
export interface SamlAssertion {
  readonly id: string;
  readonly issuer: string;
  readonly issueInstant: Date;
  /** The Subject's NameID, whole. */
  readonly nameId: string;
  /** The bearer SubjectConfirmationData's NotOnOrAfter, when it has one. */
  readonly confirmationNotOnOrAfter?: Date;
  readonly notBefore?: Date;
  readonly notOnOrAfter: Date;
  /** Each AudienceRestriction's audiences; every restriction must be met (SAML core §2.5.1.4). */
  readonly audienceRestrictions: readonly (readonly string[])[];
  /** Attribute values by attribute Name, in document order; an attribute named twice is merged. */
  readonly attributes: ReadonlyMap<string, readonly string[]>;
}

/** Reads the signed assertion `root`; throws VerifyError (ASSERTION_INVALID, CLAIM_INVALID) when it is not shaped as SAML says. */
export function readAssertion(root: Element): SamlAssertion {
  const subject = only(root, 'Subject', 'a Subject');
  const nameId = nameIdOf(subject);
  const confirmationNotOnOrAfter = bearerConfirmation(subject);
  const conditions = only(root, 'Conditions', 'its Conditions');
  const notBefore = optionalTime(conditions, 'NotBefore', 'Conditions');
  const notOnOrAfter = time(conditions, 'NotOnOrAfter', 'Conditions');
  if (notBefore && notBefore >= notOnOrAfter) throw invalid('assertion Conditions end before they begin (NotBefore >= NotOnOrAfter)');
  return {
    id: attribute(root, 'ID') ?? '',
    issuer: text(only(root, 'Issuer', 'an Issuer'), 'Issuer'),
    issueInstant: time(root, 'IssueInstant'),
    nameId,
    ...(confirmationNotOnOrAfter ? { confirmationNotOnOrAfter } : {}),
    ...(notBefore ? { notBefore } : {}),
    notOnOrAfter,
    audienceRestrictions: audienceRestrictions(conditions),
    attributes: attributesOf(root),
  };
}

/** The Subject's NameID (BaseID and EncryptedID are not supported: the principal needs a name). */
function nameIdOf(subject: Element): string {
  const nameId = text(only(subject, 'NameID', 'a NameID in its Subject'), 'NameID');
  if (nameId === '') throw invalid('assertion NameID is empty');
  return nameId;
}

/**
 * The bearer confirmation's NotOnOrAfter, if any. Exactly one bearer SubjectConfirmation
 * (SAML profiles §3.3, RFC 7522 §3), without NotBefore (profiles §4.1.4.2) nor InResponseTo: a
 * bearer credential presented on its own answers no request of this gateway's.
 */
function bearerConfirmation(subject: Element): Date | undefined {
  const bearer = childrenNamed(subject, SAML_ASSERTION_NS, 'SubjectConfirmation').filter((c) => attribute(c, 'Method') === BEARER);
  if (bearer.length !== 1) throw invalid('assertion must have exactly one bearer SubjectConfirmation');
  const data = childrenNamed(bearer[0]!, SAML_ASSERTION_NS, 'SubjectConfirmationData');
  if (data.length > 1) throw invalid('assertion SubjectConfirmation has several SubjectConfirmationData');
  if (!data[0]) return undefined;
  if (attribute(data[0], 'InResponseTo') !== undefined) throw invalid('assertion answers an authentication request (InResponseTo); a bearer credential must be unsolicited');
  if (attribute(data[0], 'NotBefore') !== undefined) throw invalid('a bearer SubjectConfirmationData must not have NotBefore');
  return optionalTime(data[0], 'NotOnOrAfter', 'SubjectConfirmationData');
}

function audienceRestrictions(conditions: Element): string[][] {
  const restrictions: string[][] = [];
  const seen = new Set<string>();
  for (const condition of childElements(conditions)) {
    if (condition.namespaceURI !== SAML_ASSERTION_NS || !KNOWN_CONDITIONS.has(condition.localName ?? '')) {
      throw invalid('assertion has a condition this gateway does not understand (SAML core §2.5.1.1: the assertion is indeterminate)');
    }
    if (condition.localName !== 'AudienceRestriction') {
      // OneTimeUse is what every assertion gets here (the ledger); ProxyRestriction: this gateway issues no assertions.
      if (seen.has(condition.localName!)) throw invalid(`assertion has several ${condition.localName} conditions`);
      seen.add(condition.localName!);
      continue;
    }
    const audiences = childElements(condition).map((audience) => {
      if (audience.namespaceURI !== SAML_ASSERTION_NS || audience.localName !== 'Audience') throw invalid('assertion AudienceRestriction holds something other than Audience');
      return text(audience, 'Audience');
    });
    if (audiences.length === 0) throw invalid('assertion AudienceRestriction names no audience');
    restrictions.push(audiences);
  }
  return restrictions;
}

/** Every AttributeStatement's Attributes. EncryptedAttribute is not read (no decryption key is configured). */
function attributesOf(root: Element): Map<string, string[]> {
  const attributes = new Map<string, string[]>();
  for (const statement of childrenNamed(root, SAML_ASSERTION_NS, 'AttributeStatement')) {
    for (const element of childrenNamed(statement, SAML_ASSERTION_NS, 'Attribute')) {
      const name = attribute(element, 'Name');
      if (!name) throw new VerifyError('CLAIM_INVALID', 'assertion has an Attribute without a Name');
      const values = childrenNamed(element, SAML_ASSERTION_NS, 'AttributeValue').map((value) => {
        const content = simpleText(value);
        if (content === undefined) throw new VerifyError('CLAIM_INVALID', `assertion attribute ${quote(name)} has a value that is not text`);
        return content;
      });
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return attributes;
}

/** The one child `name` of `parent`; missing or repeated, the assertion is refused. */
function only(parent: Element, name: string, what: string): Element {
  const found = childrenNamed(parent, SAML_ASSERTION_NS, name);
  if (found.length !== 1) throw invalid(found.length === 0 ? `assertion lacks ${what}` : `assertion has several ${name} elements`);
  return found[0]!;
}

function text(element: Element, name: string): string {
  const value = simpleText(element);
  if (value === undefined) throw invalid(`assertion ${name} must be text`);
  return value;
}

/** A required time attribute; `owner` names the element in messages when it is not the assertion itself. */
function time(element: Element, name: string, owner?: string): Date {
  const value = optionalTime(element, name, owner);
  if (!value) throw invalid(`assertion has no ${owner ? `${owner} ` : ''}${name}`);
  return value;
}

function optionalTime(element: Element, name: string, owner?: string): Date | undefined {
  const raw = attribute(element, name);
  if (raw === undefined) return undefined;
  const parsed = parseDateTime(raw);
  if (!parsed) throw invalid(`assertion ${owner ? `${owner} ` : ''}${name} is not a UTC xs:dateTime`);
  return parsed;
}

/** A UTC xs:dateTime ("2030-01-01T00:00:00.123Z"), or undefined when it is not one or names no real instant (Feb 30). */
function parseDateTime(raw: string): Date | undefined {
  const match = DATE_TIME.exec(raw);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return date;
}

function invalid(message: string): VerifyError {
  return new VerifyError('ASSERTION_INVALID', message);
}

/** An attacker-chosen value quoted in a message: escaped and bounded. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
