import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateClient } from './client-auth.js';
import { fail } from './failure.js';
import { readForm, readJsonObject, sendFailure, sendJson } from './http-io.js';
import type { OidcIssuer } from './oidc-issuer.js';
import type { ProviderLogger, ResolvedClient } from './provider.js';
import { issueAssertion, mintAssertion, parseSamlMintRequest } from './saml-issuer.js';
import type { SamlSettings } from './saml-issuer.js';
import { mintToken, parseMintRequest } from './test-token.js';

// HTTP adapters for the endpoints dev-idp serves itself, next to oidc-provider's: they read
// the request, call the domain function, and write its result or failure. What they log is
// ids and names only — never a token, an assertion, a secret or a key.

export interface OwnEndpointContext {
  readonly logger: ProviderLogger | undefined;
  readonly now: () => Date;
}

/** POST /test/mint and /nested/test/mint: `{ header?, claims }` → `{ token }`. */
export async function handleTestMint(issuer: OidcIssuer, req: IncomingMessage, res: ServerResponse, ctx: OwnEndpointContext): Promise<void> {
  const body = await readJsonObject(req);
  if (!body.ok) return sendFailure(res, body);
  const request = parseMintRequest(body.value);
  if (!request.ok) return sendFailure(res, request);
  const key = issuer.signingKey;
  const token = await mintToken(key, request.value);
  if (!token.ok) return sendFailure(res, token);
  ctx.logger?.info(
    { event: 'test.minted', issuer: issuer.issuer, kid: key.kid, header: Object.keys(request.value.header), claims: Object.keys(request.value.claims) },
    'minted test token',
  );
  sendJson(res, 200, { token: token.value });
}

/** POST /test/rotate-keys and /nested/test/rotate-keys: `{ retirePrevious? }` → `{ kid, published }`. */
export async function handleRotateKeys(issuer: OidcIssuer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  if (!body.ok) return sendFailure(res, body);
  const { retirePrevious = false } = body.value;
  if (typeof retirePrevious !== 'boolean') {
    return sendFailure(res, fail('invalid_request', '"retirePrevious" must be a boolean when set'));
  }
  const rotated = await issuer.rotateKeys(retirePrevious);
  sendJson(res, 200, rotated);
}

/** POST /saml/assertion, authenticated like the token endpoint: → `{ assertion, id, expires_in }`. */
export async function handleSamlAssertion(
  settings: SamlSettings,
  clients: ReadonlyMap<string, ResolvedClient>,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: OwnEndpointContext,
): Promise<void> {
  const form = await readForm(req);
  if (!form.ok) return sendFailure(res, form);
  const authorization = req.headers.authorization;
  const client = authenticateClient({ authorization, form: form.value }, clients);
  if (!client.ok) {
    ctx.logger?.info({ event: 'saml.rejected', error: client.code }, 'SAML assertion request rejected');
    const challenge = client.code === 'invalid_client' && authorization !== undefined ? { 'www-authenticate': 'Basic realm="dev-idp"' } : undefined;
    return sendFailure(res, client, challenge);
  }
  const issued = issueAssertion(settings, client.value, ctx.now());
  ctx.logger?.info(
    { event: 'saml.issued', clientId: client.value.clientId, id: issued.id, expiresIn: issued.expires_in },
    'issued SAML assertion',
  );
  sendJson(res, 200, issued);
}

/** POST /test/saml/mint: any assertion fields → `{ assertion, id, expires_in }`. */
export async function handleSamlMint(
  settings: SamlSettings,
  clients: ReadonlyMap<string, ResolvedClient>,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: OwnEndpointContext,
): Promise<void> {
  const body = await readJsonObject(req);
  if (!body.ok) return sendFailure(res, body);
  const request = parseSamlMintRequest(body.value, clients);
  if (!request.ok) return sendFailure(res, request);
  const issued = mintAssertion(settings, request.value, ctx.now());
  ctx.logger?.info(
    { event: 'test.saml.minted', clientId: request.value.clientId, id: issued.id, signed: request.value.sign !== false },
    'minted test SAML assertion',
  );
  sendJson(res, 200, issued);
}
