/** The two OpenID issuers one dev-idp serves: the main one at the root, the Keycloak-shaped one under /nested. */
export type IssuerName = 'main' | 'nested';

/** The path prefix of each issuer on the shared server. */
export const MOUNT_PATHS: Record<IssuerName, string> = { main: '', nested: '/nested' };

/** Which optional parts this dev-idp serves. */
export interface ServedFeatures {
  readonly nested: boolean;
  readonly saml: boolean;
  readonly testEndpoints: boolean;
}

export type Route =
  /** Everything oidc-provider serves (discovery, JWKS, token endpoint, its own 404s). */
  | { readonly kind: 'oidc'; readonly issuer: IssuerName }
  | { readonly kind: 'test-mint'; readonly issuer: IssuerName }
  | { readonly kind: 'test-rotate-keys'; readonly issuer: IssuerName }
  | { readonly kind: 'test-saml-mint' }
  | { readonly kind: 'saml-assertion' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string };

/** The endpoints of our own under an issuer's mount path; all are POST. */
const OWN_ENDPOINTS = new Map<string, (issuer: IssuerName, features: ServedFeatures) => Route | undefined>([
  ['/test/mint', (issuer, f) => (f.testEndpoints ? { kind: 'test-mint', issuer } : undefined)],
  ['/test/rotate-keys', (issuer, f) => (f.testEndpoints ? { kind: 'test-rotate-keys', issuer } : undefined)],
  ['/test/saml/mint', (issuer, f) => (issuer === 'main' && f.testEndpoints && f.saml ? { kind: 'test-saml-mint' } : undefined)],
  ['/saml/assertion', (issuer, f) => (issuer === 'main' && f.saml ? { kind: 'saml-assertion' } : undefined)],
]);

/**
 * Where a request goes, by path alone (then method for our own endpoints). `/test/...` and
 * `/saml/...` that are switched off are 404s of our own rather than oidc-provider's, and so
 * is `/nested/...` without a nested issuer.
 */
export function route(method: string, pathname: string, features: ServedFeatures): Route {
  let issuer: IssuerName = 'main';
  let rest = pathname;
  const nested = MOUNT_PATHS.nested;
  if (pathname === nested || pathname.startsWith(`${nested}/`)) {
    if (!features.nested) return { kind: 'not-found' };
    issuer = 'nested';
    rest = pathname.slice(nested.length);
  }
  const own = OWN_ENDPOINTS.get(rest);
  if (own !== undefined) {
    const found = own(issuer, features);
    if (found === undefined) return { kind: 'not-found' };
    return method === 'POST' ? found : { kind: 'method-not-allowed', allow: 'POST' };
  }
  if (rest.startsWith('/test/') || rest.startsWith('/saml/')) return { kind: 'not-found' };
  return { kind: 'oidc', issuer };
}
