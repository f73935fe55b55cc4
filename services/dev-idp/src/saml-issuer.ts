import { fail, ok } from './failure.js';
import type { Result } from './failure.js';
import { assertionXml, newAssertionId, signAssertion } from './saml-assertion.js';
import type { AssertionFields } from './saml-assertion.js';
import type { ResolvedClient } from './provider.js';

/** The SAML side of the IdP, with every default applied. */
export interface SamlSettings {
  readonly entityId: string;
  readonly audience: string;
  /** RSA private key, PEM. */
  readonly privateKey: string;
  readonly assertionTtlSeconds: number;
}

/** What POST /saml/assertion and POST /test/saml/mint answer. */
export interface IssuedAssertion {
  /** base64 of the assertion's XML. */
  readonly assertion: string;
  readonly id: string;
  /** Seconds from now until NotOnOrAfter; zero or less for an assertion minted already expired. */
  readonly expires_in: number;
}

/** POST /test/saml/mint: any field left out takes the value a real assertion would have. */
export interface SamlMintRequest {
  readonly clientId: string;
  readonly groups?: readonly string[];
  readonly notBefore?: Date;
  readonly notOnOrAfter?: Date;
  readonly issueInstant?: Date;
  readonly audience?: string;
  readonly issuer?: string;
  /** Default true; false yields an unsigned assertion. */
  readonly sign?: boolean;
  readonly id?: string;
}

/** A signed assertion for an authenticated client: its groups, the configured audience and TTL. */
export function issueAssertion(settings: SamlSettings, client: ResolvedClient, now: Date): IssuedAssertion {
  return mintAssertion(settings, { clientId: client.clientId, groups: client.groups }, now);
}

/** An assertion as the request describes it, signed by the IdP's real key unless `sign: false`. */
export function mintAssertion(settings: SamlSettings, request: SamlMintRequest, now: Date): IssuedAssertion {
  // Whole seconds, so a relying party whose clock reads seconds never sees NotBefore ahead of it.
  const issued = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const fields: AssertionFields = {
    id: request.id ?? newAssertionId(),
    issuer: request.issuer ?? settings.entityId,
    audience: request.audience ?? settings.audience,
    clientId: request.clientId,
    groups: request.groups ?? [],
    issueInstant: request.issueInstant ?? issued,
    notBefore: request.notBefore ?? issued,
    notOnOrAfter: request.notOnOrAfter ?? new Date(issued.getTime() + settings.assertionTtlSeconds * 1000),
  };
  const unsigned = assertionXml(fields);
  const xml = request.sign === false ? unsigned : signAssertion(unsigned, settings.privateKey);
  return {
    assertion: Buffer.from(xml, 'utf8').toString('base64'),
    id: fields.id,
    expires_in: Math.ceil((fields.notOnOrAfter.getTime() - now.getTime()) / 1000),
  };
}

/**
 * Reads a /test/saml/mint body. A configured client's groups are the default for `groups`,
 * so a test can mint for a real client with only its id; any other id is accepted too.
 */
export function parseSamlMintRequest(
  body: Record<string, unknown>,
  clients: ReadonlyMap<string, ResolvedClient>,
): Result<SamlMintRequest> {
  const { clientId, groups, sign } = body;
  if (typeof clientId !== 'string' || clientId === '') return fail('invalid_request', '"clientId" must be a non-empty string');
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    return fail('invalid_request', '"groups" must be an array of strings when set');
  }
  if (sign !== undefined && typeof sign !== 'boolean') return fail('invalid_request', '"sign" must be a boolean when set');

  const strings: Record<'audience' | 'issuer' | 'id', string | undefined> = { audience: undefined, issuer: undefined, id: undefined };
  for (const name of ['audience', 'issuer', 'id'] as const) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') return fail('invalid_request', `"${name}" must be a non-empty string when set`);
    strings[name] = value;
  }
  const instants: Record<'notBefore' | 'notOnOrAfter' | 'issueInstant', Date | undefined> = {
    notBefore: undefined,
    notOnOrAfter: undefined,
    issueInstant: undefined,
  };
  for (const name of ['notBefore', 'notOnOrAfter', 'issueInstant'] as const) {
    const value = body[name];
    if (value === undefined) continue;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      return fail('invalid_request', `"${name}" must be an ISO 8601 date-time string when set`);
    }
    instants[name] = date;
  }

  return ok({
    clientId,
    groups: (groups as string[] | undefined) ?? clients.get(clientId)?.groups ?? [],
    ...(sign !== undefined ? { sign } : {}),
    ...definedOnly(strings),
    ...definedOnly(instants),
  });
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}
