import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMParser } from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { createDevIdp } from './app.js';
import type { DevIdp } from './app.js';
import { generateSamlSigningPair } from './saml-keys.js';

// SAML 2.0 assertions from a started IdP, signed with a key pair made by the real openssl CLI
// and verified with xml-crypto against the certificate alone.

const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const DEMO = { clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents', 'demo'] } as const;
const BARE = { clientId: 'bare', clientSecret: 'bare-secret', groups: [] } as const;

interface IssuedAssertion {
  readonly assertion: string;
  readonly id: string;
  readonly expires_in: number;
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function child(parent: Element | Document, name: string): Element {
  const found = parent.getElementsByTagNameNS(SAML_NS, name)[0];
  if (found === undefined) throw new Error(`no saml:${name}`);
  return found;
}

/** xml-crypto's verdict with the certificate only (no KeyInfo is trusted or present). */
function signatureValid(xml: string, certificate: string): boolean {
  const signature = parse(xml).getElementsByTagNameNS(DSIG_NS, 'Signature')[0];
  if (signature === undefined) return false;
  const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
  verifier.loadSignature(signature);
  try {
    return verifier.checkSignature(xml);
  } catch {
    return false;
  }
}

describe('dev-idp SAML assertions (integration)', () => {
  const logged: string[] = [];
  const issued: string[] = [];
  let dir: string;
  let certificate: string;
  let privateKey: string;
  let idp: DevIdp;

  async function assertion(init: RequestInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const res = await fetch(`${idp.issuer}/saml/assertion`, { method: 'POST', ...init });
    const body = (await res.json()) as Record<string, unknown>;
    if (typeof body.assertion === 'string') issued.push(body.assertion);
    return { status: res.status, body, headers: res.headers };
  }

  async function mint(request: Record<string, unknown>): Promise<{ status: number; body: IssuedAssertion & { error?: string } }> {
    const res = await fetch(`${idp.issuer}/test/saml/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await res.json()) as IssuedAssertion & { error?: string };
    if (typeof body.assertion === 'string') issued.push(body.assertion);
    return { status: res.status, body };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dev-idp-saml-'));
    const pair = await generateSamlSigningPair(join(dir, 'keys'));
    certificate = await readFile(pair.certificateFile, 'utf8');
    privateKey = await readFile(pair.keyFile, 'utf8');
    idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [DEMO, BARE],
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
      saml: { privateKey, certificate, assertionTtlSeconds: 120 },
      testEndpoints: true,
      logger: {
        info: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
        warn: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
      },
    });
    await idp.start();
  });

  afterAll(async () => {
    await idp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('issues a compact, signed standalone assertion for a client authenticated with HTTP Basic', async () => {
    const before = Date.now();
    const { status, body, headers } = await assertion({ headers: { authorization: basic(DEMO.clientId, DEMO.clientSecret) } });
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body.expires_in).toBe(120);
    const encoded = body.assertion as string;
    expect(encoded.length).toBeLessThan(8 * 1024);
    const xml = Buffer.from(encoded, 'base64').toString('utf8');
    expect(xml.startsWith(`<saml:Assertion xmlns:saml="${SAML_NS}" Version="2.0" ID="${body.id as string}" IssueInstant="`)).toBe(true);
    expect(body.id).toMatch(/^_[0-9a-f]{32}$/);
    expect(xml).not.toMatch(/>\s+</); // no pretty-printing
    expect(xml).not.toContain('KeyInfo');

    expect(signatureValid(xml, certificate)).toBe(true);

    const doc = parse(xml);
    const root = doc.documentElement!;
    // Schema order: Issuer, Signature, Subject, Conditions, AuthnStatement, AttributeStatement.
    const order = Array.from(root.childNodes as unknown as ArrayLike<Element>).map((n) => `${n.namespaceURI === DSIG_NS ? 'ds' : 'saml'}:${n.localName}`);
    expect(order).toEqual(['saml:Issuer', 'ds:Signature', 'saml:Subject', 'saml:Conditions', 'saml:AuthnStatement', 'saml:AttributeStatement']);
    expect(child(doc, 'Issuer').textContent).toBe(`${idp.issuer}/saml`);

    const signature = doc.getElementsByTagNameNS(DSIG_NS, 'Signature')[0]!;
    const algorithm = (name: string) => signature.getElementsByTagNameNS(DSIG_NS, name)[0]?.getAttribute('Algorithm');
    expect(algorithm('SignatureMethod')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(algorithm('CanonicalizationMethod')).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
    expect(algorithm('DigestMethod')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    expect(Array.from(signature.getElementsByTagNameNS(DSIG_NS, 'Transform') as unknown as ArrayLike<Element>).map((t) => t.getAttribute('Algorithm'))).toEqual([
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ]);
    expect(signature.getElementsByTagNameNS(DSIG_NS, 'Reference')[0]!.getAttribute('URI')).toBe(`#${body.id as string}`);

    expect(child(doc, 'NameID').textContent).toBe(DEMO.clientId);
    const confirmation = child(doc, 'SubjectConfirmation');
    expect(confirmation.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = child(confirmation, 'SubjectConfirmationData');
    expect(data.hasAttribute('InResponseTo')).toBe(false);

    const conditions = child(doc, 'Conditions');
    const notBefore = Date.parse(conditions.getAttribute('NotBefore')!);
    const notOnOrAfter = Date.parse(conditions.getAttribute('NotOnOrAfter')!);
    expect(notBefore).toBeGreaterThanOrEqual(before - 1000);
    expect(notOnOrAfter - notBefore).toBe(120_000);
    expect(data.getAttribute('NotOnOrAfter')).toBe(conditions.getAttribute('NotOnOrAfter'));
    expect(child(child(conditions, 'AudienceRestriction'), 'Audience').textContent).toBe('portcullis');
    expect(child(doc, 'AuthnStatement').getAttribute('AuthnInstant')).toBe(root.getAttribute('IssueInstant'));

    const attributes = Array.from(child(doc, 'AttributeStatement').getElementsByTagNameNS(SAML_NS, 'Attribute') as unknown as ArrayLike<Element>);
    const values = (name: string) =>
      Array.from(attributes.find((a) => a.getAttribute('Name') === name)!.getElementsByTagNameNS(SAML_NS, 'AttributeValue') as unknown as ArrayLike<Element>).map(
        (v) => v.textContent,
      );
    expect(values('groups')).toEqual(['agents', 'demo']);
    expect(values('client_id')).toEqual([DEMO.clientId]);
  });

  it('signs only what it issued: a changed audience breaks the signature', async () => {
    const { body } = await assertion({ headers: { authorization: basic(DEMO.clientId, DEMO.clientSecret) } });
    const xml = Buffer.from(body.assertion as string, 'base64').toString('utf8');
    const tampered = xml.replace('<saml:Audience>portcullis</saml:Audience>', '<saml:Audience>elsewhere</saml:Audience>');
    expect(tampered).not.toBe(xml);
    expect(signatureValid(tampered, certificate)).toBe(false);
  });

  it('accepts client_secret_post form fields', async () => {
    const { status, body } = await assertion({ body: new URLSearchParams({ client_id: BARE.clientId, client_secret: BARE.clientSecret }) });
    expect(status).toBe(200);
    const xml = Buffer.from(body.assertion as string, 'base64').toString('utf8');
    expect(signatureValid(xml, certificate)).toBe(true);
    expect(child(parse(xml), 'NameID').textContent).toBe(BARE.clientId);
  });

  it('refuses wrong, unknown or missing credentials with 401 invalid_client', async () => {
    const refusals = [
      await assertion({ headers: { authorization: basic(DEMO.clientId, 'not-the-secret') } }),
      await assertion({ headers: { authorization: basic('nobody', 'whatever') } }),
      await assertion({ headers: { authorization: 'Bearer something' } }),
      await assertion({ body: new URLSearchParams({ client_id: DEMO.clientId, client_secret: 'not-the-secret' }) }),
      await assertion({ body: new URLSearchParams({ client_id: DEMO.clientId }) }),
      await assertion({}),
    ];
    for (const { status, body } of refusals) {
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
      expect(body.assertion).toBeUndefined();
    }
    expect(refusals[0]!.headers.get('www-authenticate')).toMatch(/^Basic /);
    // Two mechanisms at once is a malformed request, as at the token endpoint.
    const both = await assertion({
      headers: { authorization: basic(DEMO.clientId, DEMO.clientSecret) },
      body: new URLSearchParams({ client_id: DEMO.clientId, client_secret: DEMO.clientSecret }),
    });
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('mints expired, not-yet-valid, wrong-audience and wrong-issuer assertions signed by the real key', async () => {
    const { status, body } = await mint({
      clientId: DEMO.clientId,
      issueInstant: '2020-01-01T00:00:00Z',
      notBefore: '2020-01-01T00:00:00Z',
      notOnOrAfter: '2020-01-01T00:05:00Z',
      audience: 'elsewhere',
      issuer: 'https://evil.example/saml',
      id: '_chosen-id',
    });
    expect(status).toBe(200);
    expect(body.id).toBe('_chosen-id');
    expect(body.expires_in).toBeLessThan(0);
    const xml = Buffer.from(body.assertion, 'base64').toString('utf8');
    expect(signatureValid(xml, certificate)).toBe(true);
    const doc = parse(xml);
    expect(doc.documentElement!.getAttribute('IssueInstant')).toBe('2020-01-01T00:00:00Z');
    expect(child(doc, 'Conditions').getAttribute('NotBefore')).toBe('2020-01-01T00:00:00Z');
    expect(child(doc, 'Conditions').getAttribute('NotOnOrAfter')).toBe('2020-01-01T00:05:00Z');
    expect(child(doc, 'Audience').textContent).toBe('elsewhere');
    expect(child(doc, 'Issuer').textContent).toBe('https://evil.example/saml');
    // Defaults to the configured client's groups.
    expect(xml).toContain('<saml:AttributeValue>agents</saml:AttributeValue><saml:AttributeValue>demo</saml:AttributeValue>');

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const notYet = await mint({ clientId: 'unknown-client', groups: ['x'], notBefore: future });
    const notYetDoc = parse(Buffer.from(notYet.body.assertion, 'base64').toString('utf8'));
    expect(Date.parse(child(notYetDoc, 'Conditions').getAttribute('NotBefore')!)).toBe(Date.parse(future));
    expect(child(notYetDoc, 'NameID').textContent).toBe('unknown-client');
    expect(notYet.body.expires_in).toBe(120);
  });

  it('mints unsigned assertions, and escapes whatever text a test puts in', async () => {
    const { body } = await mint({ clientId: DEMO.clientId, sign: false, audience: 'a</saml:Audience><x>' });
    const xml = Buffer.from(body.assertion, 'base64').toString('utf8');
    expect(xml).not.toContain('Signature');
    expect(signatureValid(xml, certificate)).toBe(false);
    expect(child(parse(xml), 'Audience').textContent).toBe('a</saml:Audience><x>');
  });

  it('refuses malformed mint requests', async () => {
    expect((await mint({})).status).toBe(400);
    expect((await mint({ clientId: DEMO.clientId, notBefore: 'yesterday' })).body.error).toBe('invalid_request');
    expect((await mint({ clientId: DEMO.clientId, groups: 'agents' })).status).toBe(400);
    expect((await mint({ clientId: DEMO.clientId, sign: 'no' })).status).toBe(400);
  });

  it('never logs assertions, secrets or the private key', () => {
    expect(issued.length).toBeGreaterThan(3);
    const text = logged.join('\n');
    expect(text).toContain('issued SAML assertion');
    for (const encoded of issued) {
      expect(text).not.toContain(encoded);
      const signatureValue = /<ds:SignatureValue>([^<]+)</.exec(Buffer.from(encoded, 'base64').toString('utf8'))?.[1];
      if (signatureValue !== undefined) expect(text).not.toContain(signatureValue);
    }
    for (const secret of [DEMO.clientSecret, BARE.clientSecret, 'not-the-secret']) expect(text).not.toContain(secret);
    expect(text).not.toContain('PRIVATE KEY');
    const keyBody = privateKey.split('\n')[1]!;
    expect(text).not.toContain(keyBody);
  });
});

describe('generateSamlSigningPair', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dev-idp-saml-pair-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates an RSA-2048 key (0600) and its one-year self-signed certificate once, then reuses them', async () => {
    const first = await generateSamlSigningPair(dir);
    expect((await stat(first.keyFile)).mode & 0o777).toBe(0o600);
    const certificate = new X509Certificate(await readFile(first.certificateFile));
    expect(certificate.subject).toBe('CN=portcullis-dev-idp-saml');
    expect(certificate.issuer).toBe('CN=portcullis-dev-idp-saml');
    expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const days = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);

    const key = await readFile(first.keyFile, 'utf8');
    const second = await generateSamlSigningPair(dir);
    expect(second).toEqual(first);
    expect(await readFile(second.keyFile, 'utf8')).toBe(key);
  });

  it('is refused by createDevIdp when key and certificate do not match', async () => {
    const other = await generateSamlSigningPair(join(dir, 'other'));
    const mine = await generateSamlSigningPair(dir);
    const base = { issuer: '', host: '127.0.0.1', port: 0, clients: [], defaultAudience: 'portcullis', defaultTokenTtlSeconds: 300 };
    const saml = {
      privateKey: await readFile(mine.keyFile, 'utf8'),
      certificate: await readFile(other.certificateFile, 'utf8'),
      assertionTtlSeconds: 60,
    };
    expect(() => createDevIdp({ ...base, saml })).toThrow(/does not belong/);
    expect(() => createDevIdp({ ...base, saml: { ...saml, privateKey: 'not a key' } })).toThrow(/not a PEM private key/);
  });
});

describe('dev-idp without SAML', () => {
  it('answers 404 at /saml/assertion', async () => {
    const idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [DEMO],
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
      testEndpoints: true,
    });
    await idp.start();
    try {
      const res = await fetch(`${idp.issuer}/saml/assertion`, { method: 'POST', headers: { authorization: basic(DEMO.clientId, DEMO.clientSecret) } });
      expect(res.status).toBe(404);
      expect((await fetch(`${idp.issuer}/test/saml/mint`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await idp.stop();
    }
  });
});
