import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { canonicalJson } from '@portcullis/request-model';
import { parsePortcullisConfig, type SamlIssuerConfig } from '@portcullis/config';
import type { VerifyOutcome } from '../domain/verify-outcome.js';
import { MAX_ASSERTION_LENGTH, MemoryAssertionLedger, SamlVerifier, type ResolvedSamlIssuer } from './index.js';
import { hashAlgorithmTable, signatureAlgorithmTable } from './xmldsig-algorithms.js';

// A test IdP signs assertions the way real ones do (Signature right after Issuer, enveloped,
// exclusive c14n, RSA-SHA256, Reference "#ID", the certificate in KeyInfo), with keys and
// self-signed certificates made by the openssl CLI. The hostile cases then bend one thing each.

const IDP = 'https://idp.example/saml';
const EC_IDP = 'https://ec.example/saml';
const NOW = new Date('2030-01-01T00:00:00Z');
const NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

const dir = await mkdtemp(join(tmpdir(), 'saml-verifier-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

async function keyPair(name: string, algorithm: string[]): Promise<KeyPair> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', ...algorithm, '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', `/CN=${name}`]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

const [idp, attacker, ecIdp] = await Promise.all([
  keyPair('idp', ['rsa:2048']),
  keyPair('attacker', ['rsa:2048']),
  keyPair('ec-idp', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
]);

const { issuers } = parsePortcullisConfig(`
issuers:
  - protocol: saml
    issuer: "${IDP}"
    audience: [portcullis, https://gateway.example]
    certificate: { env: IDP_CERT }
    maxTokenLifetime: 10m
    attributes: { groups: [groups, roles], clientId: client_id }
    kind: machine
  - { protocol: saml, issuer: "${EC_IDP}", audience: portcullis, certificate: { env: EC_CERT } }
`);
const pems: Record<string, string> = { [IDP]: idp.cert, [EC_IDP]: ecIdp.cert };
const samlIssuers: ResolvedSamlIssuer[] = (issuers as SamlIssuerConfig[]).map(({ certificate: _, ...rest }) => ({ ...rest, certificatePem: pems[rest.issuer]! }));

function verifier(ledger = new MemoryAssertionLedger(() => NOW)): SamlVerifier {
  return new SamlVerifier(samlIssuers, ledger, () => NOW);
}

const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const newId = () => `_${randomBytes(12).toString('hex')}`;
const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

/** The parts of a test assertion; each may be replaced by a case. */
interface Parts {
  id: string;
  issuer: string;
  issueInstant: string;
  nameId: string;
  subjectConfirmation: string;
  conditions: string;
  attributes: Record<string, string[]>;
  /** Raw XML appended inside the assertion, before the statements. */
  extra: string;
}

function assertionXml(overrides: Partial<Parts> = {}): string {
  const p: Parts = {
    id: newId(),
    issuer: IDP,
    issueInstant: at(-10),
    nameId: 'agent-1',
    subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData NotOnOrAfter="${at(120)}" Recipient="https://gateway.example/acs"/></saml:SubjectConfirmation>`,
    conditions: conditions({}),
    attributes: { client_id: ['demo-agent'], groups: ['agents', 'readers'], roles: ['readers', 'ops'] },
    extra: '',
    ...overrides,
  };
  const attributes = Object.entries(p.attributes)
    .map(([name, values]) => `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  return (
    `<saml:Assertion xmlns:saml="${NS}" ID="${p.id}" Version="2.0" IssueInstant="${p.issueInstant}">` +
    `<saml:Issuer>${p.issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${p.nameId}</saml:NameID>${p.subjectConfirmation}</saml:Subject>` +
    p.conditions +
    p.extra +
    `<saml:AuthnStatement AuthnInstant="${p.issueInstant}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
    `</saml:Assertion>`
  );
}

function conditions({ notBefore = at(-10), notOnOrAfter = at(290), audiences = [['portcullis']], more = '' }: { notBefore?: string; notOnOrAfter?: string; audiences?: string[][]; more?: string }): string {
  const restrictions = audiences.map((list) => `<saml:AudienceRestriction>${list.map((a) => `<saml:Audience>${a}</saml:Audience>`).join('')}</saml:AudienceRestriction>`).join('');
  return `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">${restrictions}${more}</saml:Conditions>`;
}

interface SignOptions {
  signer?: KeyPair;
  /** The certificate put in KeyInfo; none when null. Default: the signer's. */
  keyInfoCert?: string | null;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  transforms?: string[];
  /** What the Reference points at; default the root assertion. */
  xpath?: string;
}

/** Signs `xml` as an IdP does. */
function sign(xml: string, options: SignOptions = {}): string {
  const signer = options.signer ?? idp;
  const cert = options.keyInfoCert === undefined ? signer.cert : options.keyInfoCert;
  const sig = new SignedXml({ privateKey: signer.key, ...(cert ? { publicCert: cert } : {}), canonicalizationAlgorithm: EXC_C14N, signatureAlgorithm: options.signatureAlgorithm ?? RSA_SHA256 });
  sig.SignatureAlgorithms = { ...sig.SignatureAlgorithms, ...signatureAlgorithmTable() };
  sig.HashAlgorithms = { ...sig.HashAlgorithms, ...hashAlgorithmTable() };
  sig.addReference({ xpath: options.xpath ?? "/*[local-name(.)='Assertion']", transforms: options.transforms ?? [ENVELOPED, EXC_C14N], digestAlgorithm: options.digestAlgorithm ?? SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

const signed = (overrides: Partial<Parts> = {}, options: SignOptions = {}) => sign(assertionXml(overrides), options);
const SIGNATURE = /<ds:Signature[\s\S]*<\/ds:Signature>/;
const signatureOf = (xml: string) => SIGNATURE.exec(xml)![0];
const withoutSignature = (xml: string) => xml.replace(SIGNATURE, '');
const idOf = (xml: string) => /ID="([^"]+)"/.exec(xml)![1]!;

function failureOf(outcome: VerifyOutcome) {
  if (outcome.ok) throw new Error(`expected a refusal, got principal ${outcome.principal.subject}`);
  return outcome.failure;
}

async function refusal(encoded: string, options = { continuing: false }, v = verifier()) {
  const failure = failureOf(await v.verify(encoded, options));
  if (encoded.length > 40) expect(failure.message).not.toContain(encoded.slice(0, 40));
  return failure;
}

describe('SamlVerifier: a valid assertion', () => {
  it('becomes the principal it names, read from what was signed', async () => {
    const xml = signed();
    const outcome = await verifier().verify(b64(xml), { continuing: false });
    if (!outcome.ok) throw new Error(`refused: ${outcome.failure.code} ${outcome.failure.message}`);
    expect(outcome.principal).toEqual({
      subject: 'agent-1',
      clientId: 'demo-agent',
      groups: ['agents', 'readers', 'ops'],
      issuer: IDP,
      // The earlier of Conditions (+290 s) and SubjectConfirmationData (+120 s).
      expiresAt: new Date(at(120)),
      scopes: [],
      kind: 'machine',
      claimsJson: canonicalJson({ iss: IDP, sub: 'agent-1', aud: ['portcullis'], attributes: { client_id: ['demo-agent'], groups: ['agents', 'readers'], roles: ['readers', 'ops'] } }),
      tokenId: idOf(xml),
    });
    expect(outcome.droppedClaimsBytes).toBeUndefined();
  });

  it('uses the configured defaults: NameID as client, groups from "groups", human', async () => {
    const xml = signed({ issuer: EC_IDP, attributes: { groups: ['g1'] } }, { signer: ecIdp, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' });
    const outcome = await verifier().verify(b64(xml), { continuing: false });
    if (!outcome.ok) throw new Error(`refused: ${outcome.failure.code} ${outcome.failure.message}`);
    expect(outcome.principal).toMatchObject({ subject: 'agent-1', clientId: 'agent-1', groups: ['g1'], issuer: EC_IDP, kind: 'human', scopes: [] });
  });

  it.each([
    ['RSA-SHA384 / SHA-384', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', 'http://www.w3.org/2001/04/xmldsig-more#sha384'],
    ['RSA-SHA512 / SHA-512', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'http://www.w3.org/2001/04/xmlenc#sha512'],
  ])('accepts %s', async (_, signatureAlgorithm, digestAlgorithm) => {
    expect((await verifier().verify(b64(signed({}, { signatureAlgorithm, digestAlgorithm })), { continuing: false })).ok).toBe(true);
  });

  it('accepts a second configured audience, within the clock tolerance, and without KeyInfo', async () => {
    const xml = signed({ conditions: conditions({ audiences: [['https://gateway.example']], notOnOrAfter: at(-3), notBefore: at(-20) }), subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"/>` }, { keyInfoCert: null });
    expect((await verifier().verify(b64(xml), { continuing: false })).ok).toBe(true);
  });

  it('accepts an IssueInstant ahead of the clock within the tolerance', async () => {
    expect((await verifier().verify(b64(signed({ issueInstant: at(3) })), { continuing: false })).ok).toBe(true);
  });

  it('carries "{}" and the size when the claims are too large', async () => {
    const xml = signed({ attributes: { client_id: ['demo-agent'], note: ['\\'.repeat(8300)] } });
    const outcome = await verifier().verify(b64(xml), { continuing: false });
    if (!outcome.ok) throw new Error(`refused: ${outcome.failure.code} ${outcome.failure.message}`);
    expect(outcome.principal.claimsJson).toBe('{}');
    expect(outcome.droppedClaimsBytes).toBeGreaterThan(16 * 1024);
  });
});

/** A forged assertion around (or beside) the genuine signed one. */
function forged(inside: string, id = newId()): string {
  return assertionXml({ id, nameId: 'admin', extra: inside });
}

type Case = readonly [name: string, encoded: () => string, code: string];

const hostile: Case[] = [
  // Not a readable assertion
  ['empty', () => '', 'TOKEN_MALFORMED'],
  ['oversized', () => 'A'.repeat(MAX_ASSERTION_LENGTH + 4), 'TOKEN_MALFORMED'],
  ['not base64', () => `${b64(signed()).slice(0, -8)}!!!!****`, 'TOKEN_MALFORMED'],
  ['base64 with line breaks', () => b64(signed()).replace(/(.{76})/g, '$1\n'), 'TOKEN_MALFORMED'],
  ['not XML', () => b64('hello, I am an assertion'), 'TOKEN_MALFORMED'],
  ['not UTF-8', () => Buffer.from([0x3c, 0x61, 0xff, 0x3e]).toString('base64'), 'TOKEN_MALFORMED'],
  ['truncated XML', () => b64(signed().slice(0, -20)), 'TOKEN_MALFORMED'],
  ['DOCTYPE with an entity', () => b64(`<!DOCTYPE saml:Assertion [<!ENTITY who "admin">]>${signed().replace('>agent-1<', '>&who;<')}`), 'TOKEN_MALFORMED'],
  ['processing instruction', () => b64(signed().replace('<saml:Subject>', '<?evil x?><saml:Subject>')), 'TOKEN_MALFORMED'],
  ['root is not an Assertion', () => b64('<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">x</saml:Issuer>'), 'TOKEN_MALFORMED'],
  ['a SAML 1.1 assertion', () => b64(signed().replace(/urn:oasis:names:tc:SAML:2\.0:assertion"/, 'urn:oasis:names:tc:SAML:1.0:assertion"')), 'TOKEN_MALFORMED'],
  ['a Response wrapping the assertion', () => b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="${newId()}" Version="2.0" IssueInstant="${at(-10)}">${signed()}</samlp:Response>`), 'TOKEN_MALFORMED'],
  ['XSW: forged and signed assertions side by side in a wrapper', () => b64(`<Wrapper>${forged('')}${signed()}</Wrapper>`), 'TOKEN_MALFORMED'],

  // Issuer
  ['untrusted issuer', () => b64(signed({ issuer: 'https://evil.example' })), 'ISSUER_UNTRUSTED'],
  ['no Issuer first', () => b64(signed().replace(/<saml:Issuer>[^<]*<\/saml:Issuer>/, '')), 'ISSUER_UNTRUSTED'],

  // Signature
  ['unsigned', () => b64(assertionXml()), 'SIGNATURE_INVALID'],
  ['signed by another key', () => b64(signed({}, { signer: attacker, keyInfoCert: null })), 'SIGNATURE_INVALID'],
  ['signed by another key embedded in KeyInfo', () => b64(signed({}, { signer: attacker })), 'SIGNATURE_INVALID'],
  ['signed by another key, KeyInfo showing the IdP certificate', () => b64(signed({}, { signer: attacker, keyInfoCert: idp.cert })), 'SIGNATURE_INVALID'],
  ['NameID tampered after signing', () => b64(signed().replace('>agent-1<', '>admin<')), 'SIGNATURE_INVALID'],
  ['attribute tampered after signing', () => b64(signed().replace('>agents<', '>admins<')), 'SIGNATURE_INVALID'],
  ['Conditions tampered after signing', () => b64(signed().replace(`NotOnOrAfter="${at(290)}"`, `NotOnOrAfter="${at(280)}"`)), 'SIGNATURE_INVALID'],
  ['SignatureValue tampered', () => b64(signed().replace(/<ds:SignatureValue>(.)/, (_, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`)), 'SIGNATURE_INVALID'],

  // Signature wrapping and references to something else
  ['XSW: forged root, the signed assertion nested inside it', () => b64(forged(signed())), 'ASSERTION_INVALID'],
  ['XSW: forged root, the signed assertion inside its Advice', () => b64(forged(`<saml:Advice>${signed()}</saml:Advice>`)), 'ASSERTION_INVALID'],
  ['XSW: forged root, the signed assertion inside an Extensions element', () => b64(forged(`<samlp:Extensions xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${signed()}</samlp:Extensions>`)), 'ASSERTION_INVALID'],
  ['XSW: forged root with the same ID, the signed assertion nested', () => { const genuine = signed(); return b64(forged(genuine, idOf(genuine))); }, 'ASSERTION_INVALID'],
  ['XSW: the signature moved to a forged root, the signed assertion a sibling inside it', () => {
    const genuine = signed();
    return b64(sign0(forged(withoutSignature(genuine)), signatureOf(genuine)));
  }, 'ASSERTION_INVALID'],
  ['XSW: the signature moved to a forged root, the signed assertion renamed', () => {
    const genuine = signed();
    const renamed = withoutSignature(genuine).replace(/saml:Assertion/g, 'saml:Evidence');
    return b64(sign0(forged(renamed), signatureOf(genuine)));
  }, 'ASSERTION_INVALID'],
  ['signature moved into the Subject', () => { const genuine = signed(); return b64(withoutSignature(genuine).replace('</saml:Subject>', `${signatureOf(genuine)}</saml:Subject>`)); }, 'ASSERTION_INVALID'],
  ['signature moved to the end of the assertion', () => { const genuine = signed(); return b64(withoutSignature(genuine).replace('</saml:Assertion>', `${signatureOf(genuine)}</saml:Assertion>`)); }, 'ASSERTION_INVALID'],
  ['two signatures', () => { const genuine = signed(); return b64(genuine.replace('<saml:Subject>', `${signatureOf(signed({}, { signer: attacker }))}<saml:Subject>`)); }, 'ASSERTION_INVALID'],
  ['Reference pointing at a nested element', () => b64(sign(assertionXml().replace('<saml:Subject>', `<saml:Subject ID="${newId()}">`), { xpath: "//*[local-name(.)='Subject']" })), 'ASSERTION_INVALID'],
  ['duplicate IDs', () => { const genuine = signed(); return b64(genuine.replace('<saml:Subject>', `<saml:Subject ID="${idOf(genuine)}">`)); }, 'ASSERTION_INVALID'],
  ['comment inside NameID', () => b64(signed({ nameId: 'admin.evil' }).replace('>admin.evil<', '>admin<!---->.evil<')), 'ASSERTION_INVALID'],
  ['disallowed transform (inclusive c14n)', () => b64(signed({}, { transforms: [ENVELOPED, 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'] })), 'ASSERTION_INVALID'],
  ['no enveloped-signature transform', () => b64(signed({}, { transforms: [EXC_C14N] })), 'ASSERTION_INVALID'],
  ['a ds:Object in the signature', () => b64(signed().replace('</ds:Signature>', '<ds:Object><saml:Issuer>x</saml:Issuer></ds:Object></ds:Signature>')), 'ASSERTION_INVALID'],

  // Algorithms
  ['SHA-1 signature and digest', () => b64(signed({}, { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' })), 'ALGORITHM_NOT_ALLOWED'],
  ['SHA-1 digest under RSA-SHA256', () => b64(signed({}, { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' })), 'ALGORITHM_NOT_ALLOWED'],
  ['ECDSA signature for an issuer with an RSA certificate', () => b64(signed({}, { signer: ecIdp, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' })), 'ALGORITHM_NOT_ALLOWED'],

  // Subject and Conditions
  ['not a bearer assertion (holder-of-key)', () => b64(signed({ subjectConfirmation: '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"/>' })), 'ASSERTION_INVALID'],
  ['two bearer SubjectConfirmations', () => b64(signed({ subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"/><saml:SubjectConfirmation Method="${BEARER}"/>` })), 'ASSERTION_INVALID'],
  ['NotBefore on the bearer SubjectConfirmationData', () => b64(signed({ subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData NotBefore="${at(-10)}" NotOnOrAfter="${at(120)}"/></saml:SubjectConfirmation>` })), 'ASSERTION_INVALID'],
  ['InResponseTo present', () => b64(signed({ subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData InResponseTo="_req1" NotOnOrAfter="${at(120)}"/></saml:SubjectConfirmation>` })), 'ASSERTION_INVALID'],
  ['no Subject', () => b64(sign(assertionXml().replace(/<saml:Subject>.*<\/saml:Subject>/, ''))), 'ASSERTION_INVALID'],
  ['no NameID', () => b64(sign(assertionXml().replace(/<saml:NameID [^>]*>[^<]*<\/saml:NameID>/, ''))), 'ASSERTION_INVALID'],
  ['no Conditions', () => b64(signed({ conditions: '' })), 'ASSERTION_INVALID'],
  ['Conditions without NotOnOrAfter', () => b64(signed({ conditions: '<saml:Conditions><saml:AudienceRestriction><saml:Audience>portcullis</saml:Audience></saml:AudienceRestriction></saml:Conditions>' })), 'ASSERTION_INVALID'],
  ['a condition not understood', () => b64(signed({ conditions: conditions({ more: '<saml:Condition xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:Custom"/>' }) })), 'ASSERTION_INVALID'],
  ['a time that is not UTC', () => b64(signed({ issueInstant: '2029-12-31T23:59:50+01:00' })), 'ASSERTION_INVALID'],

  // Times, audience, lifetime
  ['expired (Conditions NotOnOrAfter)', () => b64(signed({ issueInstant: at(-300), conditions: conditions({ notBefore: at(-300), notOnOrAfter: at(-6) }), subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"/>` })), 'TOKEN_EXPIRED'],
  ['expired (SubjectConfirmationData NotOnOrAfter)', () => b64(signed({ subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData NotOnOrAfter="${at(-6)}"/></saml:SubjectConfirmation>` })), 'TOKEN_EXPIRED'],
  ['not yet valid (NotBefore)', () => b64(signed({ conditions: conditions({ notBefore: at(60) }) })), 'TOKEN_NOT_YET_VALID'],
  ['issued in the future', () => b64(signed({ issueInstant: at(60) })), 'TOKEN_NOT_YET_VALID'],
  ['wrong audience', () => b64(signed({ conditions: conditions({ audiences: [['https://other-sp.example']] }) })), 'AUDIENCE_MISMATCH'],
  ['one of two AudienceRestrictions not met', () => b64(signed({ conditions: conditions({ audiences: [['portcullis'], ['https://other-sp.example']] }) })), 'AUDIENCE_MISMATCH'],
  ['no AudienceRestriction', () => b64(signed({ conditions: conditions({ audiences: [] }) })), 'AUDIENCE_MISMATCH'],
  ['lifetime too long', () => b64(signed({ conditions: conditions({ notOnOrAfter: at(3600) }), subjectConfirmation: `<saml:SubjectConfirmation Method="${BEARER}"/>` })), 'LIFETIME_TOO_LONG'],

  // Attributes
  ['client attribute with two values', () => b64(signed({ attributes: { client_id: ['a', 'b'] } })), 'CLAIM_INVALID'],
  ['client attribute missing', () => b64(signed({ attributes: { groups: ['agents'] } })), 'CLAIM_INVALID'],
  ['attribute value that is not text', () => b64(signed({ attributes: { client_id: ['demo-agent'], groups: ['<x:Group xmlns:x="urn:x">agents</x:Group>'] } })), 'CLAIM_INVALID'],
  ['empty group', () => b64(signed({ attributes: { client_id: ['demo-agent'], groups: [''] } })), 'CLAIM_INVALID'],
];

/** `xml` with `signature` placed right after its Issuer, as if it were its own. */
function sign0(xml: string, signature: string): string {
  return xml.replace('</saml:Issuer>', `</saml:Issuer>${signature}`);
}

describe('SamlVerifier: hostile assertions', () => {
  it.each(hostile)('%s → %s', async (_, encoded, code) => {
    expect((await refusal(encoded())).code).toBe(code);
  });

  it('quotes an untrusted issuer escaped and bounded, and names it', async () => {
    const claimed = `https://evil.example/"${'x'.repeat(400)}`;
    const failure = await refusal(b64(signed({ issuer: claimed })));
    expect(failure.code).toBe('ISSUER_UNTRUSTED');
    expect(failure.message).toContain('"https://evil.example/\\"xxx');
    expect(failure.message.length).toBeLessThan(300);
    expect(failure.issuer?.length).toBeLessThanOrEqual(201);
  });

  it('names the configured issuer in refusals after the issuer is known', async () => {
    expect(await refusal(b64(assertionXml()))).toMatchObject({ code: 'SIGNATURE_INVALID', issuer: IDP });
  });

  it('tells the operator a changed content from a wrong key, in its own words', async () => {
    expect((await refusal(b64(signed().replace('>agent-1<', '>admin<')))).detail).toMatch(/digest .* changed after signing/);
    expect((await refusal(b64(signed({}, { signer: attacker })))).detail).toMatch(/SignatureValue does not verify/);
  });
});

describe('SamlVerifier: one assertion, one session', () => {
  it('refuses a second opening as a replay, accepts continuing, refuses continuing a session never opened', async () => {
    const v = verifier();
    const encoded = b64(signed());
    expect((await v.verify(encoded, { continuing: false })).ok).toBe(true);
    expect((await refusal(encoded, { continuing: false }, v)).code).toBe('ASSERTION_REPLAYED');
    expect((await v.verify(encoded, { continuing: true })).ok).toBe(true);
    expect((await v.verify(encoded, { continuing: true })).ok).toBe(true);
    expect((await refusal(b64(signed()), { continuing: true }, v)).code).toBe('ASSERTION_INVALID');
  });

  it('remembers an id per issuer, and not a refused assertion', async () => {
    const ledger = new MemoryAssertionLedger(() => NOW);
    const id = newId();
    expect((await refusal(b64(signed({ id, issueInstant: at(60) })), { continuing: false }, verifier(ledger))).code).toBe('TOKEN_NOT_YET_VALID');
    expect(await ledger.seen(IDP, id)).toBe(false);
    expect((await verifier(ledger).verify(b64(signed({ id })), { continuing: false })).ok).toBe(true);
    expect(await ledger.seen(IDP, id)).toBe(true);
    const ec = signed({ id, issuer: EC_IDP }, { signer: ecIdp, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' });
    expect((await verifier(ledger).verify(b64(ec), { continuing: false })).ok).toBe(true);
  });

  it('a replay is refused across verifiers sharing the ledger', async () => {
    const ledger = new MemoryAssertionLedger(() => NOW);
    const encoded = b64(signed());
    expect((await verifier(ledger).verify(encoded, { continuing: false })).ok).toBe(true);
    expect((await refusal(encoded, { continuing: false }, verifier(ledger))).code).toBe('ASSERTION_REPLAYED');
  });
});

describe('SamlVerifier: configuration', () => {
  it('refuses at construction a certificate it cannot use', () => {
    const bad = (certificatePem: string) => () => new SamlVerifier([{ ...samlIssuers[0]!, certificatePem }], new MemoryAssertionLedger(() => NOW), () => NOW);
    expect(bad('not a pem')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(bad(idp.key)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(bad('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
