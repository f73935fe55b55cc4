import { describe, expect, it } from 'vitest';
import type { DetectionContext, DetectorMatch } from './detector.types.js';
import { secretDetector } from './secret.detector.js';

const found = (text: string, context?: DetectionContext): string[] => {
  const out: DetectorMatch[] = [];
  secretDetector.find(text, out, context);
  return out.map((match) => text.slice(match.start, match.end));
};
const partial = (text: string) => secretDetector.partial(text, 0, text.length);

/** A deterministic pseudo-random body over `alphabet` (tests must not depend on luck). */
function body(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', seed = length): string {
  let state = seed * 2654435761 >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out += alphabet[(state >>> 16) % alphabet.length];
  }
  return out;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const JWS = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const RSA_BODY = `MIIEowIBAAKCAQEA${body(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}\n${body(64)}==`;

// [name, token]: each is found alone and inside text, and its partial form is prefix + `****`.
const PREFIXED: readonly (readonly [string, string, string])[] = [
  ['AWS access key id', 'AKIA' + body(16, BASE32), 'AKIA'],
  ['AWS temporary key id', 'ASIA' + body(16, BASE32), 'ASIA'],
  ['AWS role id', 'AROA' + body(16, BASE32), 'AROA'],
  ['AWS documentation key id', 'AKIAIOSFODNN7EXAMPLE', 'AKIA'],
  ['GitHub classic PAT', 'ghp_' + body(36), 'ghp_'],
  ['GitHub OAuth', 'gho_' + body(36), 'gho_'],
  ['GitHub user-to-server', 'ghu_' + body(36), 'ghu_'],
  ['GitHub server-to-server', 'ghs_' + body(36), 'ghs_'],
  ['GitHub refresh', 'ghr_' + body(36), 'ghr_'],
  ['GitHub fine-grained PAT', `github_pat_${body(22)}_${body(59)}`, 'github_pat_'],
  ['GitLab PAT', 'glpat-' + body(20, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'), 'glpat-'],
  ['GitLab deploy token', 'gldt-' + body(20), 'gldt-'],
  ['GitLab runner token', 'glrt-' + body(20), 'glrt-'],
  ['GitLab pipeline trigger', 'glptt-' + body(40), 'glptt-'],
  ['GitLab CI job token', 'glcbt-' + body(24), 'glcbt-'],
  ['GitLab OAuth secret', 'gloas-' + body(64), 'gloas-'],
  ['GitLab runner registration', 'GR1348941' + body(20), 'GR1348941'],
  ['Slack bot', `xoxb-${body(12, '0123456789')}-${body(13, '0123456789')}-${body(24)}`, 'xoxb-'],
  ['Slack user', `xoxp-${body(12, '0123456789')}-${body(12, '0123456789')}-${body(12, '0123456789')}-${body(32, '0123456789abcdef')}`, 'xoxp-'],
  ['Slack app-level', `xapp-1-${body(11)}-${body(13, '0123456789')}-${body(64, '0123456789abcdef')}`, 'xapp-'],
  ['Slack refresh', `xoxe-1-${body(40)}`, 'xoxe-'],
  ['Slack rotated', `xoxe.xoxp-1-${body(40)}`, 'xoxe.xoxp-'],
  ['Slack legacy', `xoxa-2-${body(30)}`, 'xoxa-'],
  ['Stripe live secret', 'sk_live_' + body(24), 'sk_live_'],
  ['Stripe test secret', 'sk_test_' + body(99), 'sk_test_'],
  ['Stripe restricted', 'rk_live_' + body(24), 'rk_live_'],
  ['Stripe publishable', 'pk_test_' + body(24), 'pk_test_'],
  ['Stripe webhook secret', 'whsec_' + body(32), 'whsec_'],
  ['Google API key', 'AIza' + body(35, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), 'AIza'],
  ['npm token', 'npm_' + body(36), 'npm_'],
  ['Hugging Face token', 'hf_' + body(34), 'hf_'],
  ['OpenAI project key', 'sk-proj-' + body(48), 'sk-proj-'],
  ['Anthropic key', 'sk-ant-api03-' + body(40), 'sk-ant-'],
  ['SendGrid key', `SG.${body(22)}.${body(43)}`, 'SG.'],
  ['JWT', JWS, 'eyJ'],
  ['unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJqb2UifQ.', 'eyJ'],
  ['JWE with a direct key', `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..${body(16)}.${body(40)}.${body(22)}`, 'eyJ'],
];

describe('secret detector', () => {
  it.each(PREFIXED)('finds a %s and shows only its prefix', (_name, token, prefix) => {
    expect(found(token)).toEqual([token]);
    expect(found(`value: "${token}", next`)).toEqual([token]);
    expect(found(`curl -H 'X: ${token}' https://x`)).toEqual([token]);
    expect(partial(token)).toBe(prefix + '****');
  });

  it.each([
    ['RSA', `-----BEGIN RSA PRIVATE KEY-----\n${RSA_BODY}\n-----END RSA PRIVATE KEY-----`],
    ['PKCS#8', `-----BEGIN PRIVATE KEY-----\n${RSA_BODY}\n-----END PRIVATE KEY-----`],
    ['EC', `-----BEGIN EC PRIVATE KEY-----\r\n${RSA_BODY}\r\n-----END EC PRIVATE KEY-----`],
    ['OpenSSH', `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE${RSA_BODY}\n-----END OPENSSH PRIVATE KEY-----`],
    ['encrypted', `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${RSA_BODY}\n-----END ENCRYPTED PRIVATE KEY-----`],
    ['PGP', `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF${RSA_BODY}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----`],
    ['one-line (JSON-decoded)', `-----BEGIN RSA PRIVATE KEY----- ${RSA_BODY.replace('\n', ' ')} -----END RSA PRIVATE KEY-----`],
  ])('finds a %s private key, BEGIN to END, and shows only its armour', (_kind, pem) => {
    expect(found(`key:\n${pem}\nrest`)).toEqual([pem]);
    const shown = partial(pem);
    expect(shown).toMatch(/^-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?----- \[REDACTED\] -----END [A-Z ]*PRIVATE KEY( BLOCK)?-----$/);
    expect(shown).not.toContain(RSA_BODY.slice(16, 32));
  });

  it('masks an unterminated private key to the end of the text', () => {
    const text = `config\n-----BEGIN RSA PRIVATE KEY-----\n${RSA_BODY}\n(truncated`;
    const start = text.indexOf('-----BEGIN');
    expect(found(text)).toEqual([text.slice(start)]);
    expect(secretDetector.partial(text, start, text.length)).toBe('-----BEGIN RSA PRIVATE KEY----- [REDACTED]');
  });

  it('leaves public keys and certificates alone', () => {
    expect(found(`-----BEGIN PUBLIC KEY-----\n${RSA_BODY}\n-----END PUBLIC KEY-----`)).toEqual([]);
    expect(found(`-----BEGIN CERTIFICATE-----\n${RSA_BODY}\n-----END CERTIFICATE-----`)).toEqual([]);
  });

  it('finds a Slack webhook URL and shows only its host', () => {
    const url = `https://hooks.slack.com/services/T${body(8, BASE32)}/B${body(10, BASE32)}/${body(24)}`;
    expect(found(`post to ${url} now`)).toEqual([url]);
    expect(partial(url)).toBe('https://hooks.slack.com/****');
    expect(found('see https://hooks.slack.com/ for docs')).toEqual([]);
  });

  it.each([
    ['Authorization: Bearer ' + body(32), body(32)],
    ['authorization: bearer ' + body(32), body(32)],
    ['Authorization: Token ' + body(40, '0123456789abcdef'), body(40, '0123456789abcdef')],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
    ['Proxy-Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'YWxhZGRpbjpvcGVuc2VzYW1l'],
    ['"Authorization": "Bearer ' + body(20) + '"', body(20)],
    ['Authorization: ' + body(24), body(24)],
    ['Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      'Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7'],
    ['curl -H "Authorization: Bearer ' + body(28) + '" https://api', body(28)],
    ['headers: { Bearer ' + body(16) + '9 }', body(16) + '9'],
    ['use Basic dXNlcjpwYXNzd29yZA== here', 'dXNlcjpwYXNzd29yZA=='],
  ])('finds the credential in %j', (text, credential) => {
    expect(found(text)).toEqual([credential]);
  });

  it.each([
    ['"password": "hunter22x"', 'hunter22x'],
    ["password: 'Tr0ub4dor&3'", 'Tr0ub4dor&3'],
    ['DB_PASSWORD=s3cr3t-P4ss', 's3cr3t-P4ss'],
    ['spring.datasource.password = Xk9#mP2$vL', 'Xk9#mP2$vL'],
    ['pwd=Winter2024!', 'Winter2024!'],
    ['<password>S3cr3tPa55</password>', 'S3cr3tPa55'],
    ['--password Tr0ub4dor3', 'Tr0ub4dor3'],
    ["'passphrase' => 'correct-horse-battery-9'", 'correct-horse-battery-9'],
    ['"client_secret":"' + body(32) + '"', body(32)],
    ['api_key=9f8e7d6c5b4a39281726354a5b6c7d8e', '9f8e7d6c5b4a39281726354a5b6c7d8e'],
    ['X-Api-Key: ' + body(32), body(32)],
    ['apiKey := "' + body(24) + '"', body(24)],
    ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['my AWS secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['"refresh_token": "' + body(48) + '"', body(48)],
    ['session_id=3f2a9c41-1234-4567-8912-123456789012;', '3f2a9c41-1234-4567-8912-123456789012'],
    ['Cookie: sessionid=' + body(32), body(32)],
    ['signature=' + body(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), body(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')],
    ['?sv=2022-11-02&sig=' + body(44, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%') + '&se=1', body(44, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%')],
    ['DefaultEndpointsProtocol=https;AccountKey=' + body(64) + '==;', body(64) + '=='],
    ['SECRET_KEY_BASE: ' + body(64, '0123456789abcdef'), body(64, '0123456789abcdef')],
  ])('finds the secret value in %j', (text, value) => {
    expect(found(text)).toEqual([value]);
    expect(partial(value)).toBe('****');
  });

  it('finds a whole value given under a secret-like key', () => {
    for (const key of ['password', 'Password', 'db_password', 'userPassword', 'pwd', 'passwd']) expect(found('hunter22x', { key })).toEqual(['hunter22x']);
    for (const key of ['api_key', 'apiKey', 'X-API-KEY', 'client_secret', 'access_token', 'authToken', 'private_key', 'credentials', 'signingKey', 'session']) {
      expect(found(body(32), { key })).toEqual([body(32)]);
    }
    expect(found('Bearer ' + body(20), { key: 'Authorization' })).toEqual([body(20)]);
    expect(found(`  ${body(20)}  `, { key: 'token' })).toEqual([body(20)]);
  });

  it.each([
    // the look-alikes the issue names
    '"token_type": "Bearer"', '"expires_in": 3600', 'password: ******', 'password: "********"',
    // placeholders, references, masked values
    'DB_PASSWORD=${DB_PASSWORD}', 'password: {{ vault_password }}', 'api_key: <your-api-key>', 'token=%API_TOKEN%',
    'password: [REDACTED]', 'secret: null', 'api_key=sk_live_****', 'password=xxxxxxxxxx',
    // names about a secret, not the secret
    '"token_endpoint": "https://idp.example.com/oauth2/token"', '"jwks_uri": "https://idp.example.com/.well-known/jwks.json"',
    '"password_policy": "min8Upper1Digit1"', '"secretName": "db-credentials-v2"', 'token_expires_at: 2026-12-04T19:54:27Z',
    '"auth_method": "client_secret_basic"', '"session_timeout": 1800',
    // short or plain values
    'password: changeme', 'password=short1', 'token: abc', '"total_tokens": 1234567', '"prompt_tokens": 1234',
    '"session": "2026-12-04T19:54:27.123Z"', '"token": "AccessTokenValidationPending"', '"token": "refresh_token_expired_24"',
    '"tokenizer": "bert-base-uncased"', '"secret": "Please provide a valid token"', 'session: user-session-v12',
    // prose, schemes without credentials
    'the session token expired, please log in again', 'Bearer tokens are sent in the Authorization header.',
    'uses Bearer authentication', 'Basic information about the key', 'WWW-Authenticate: Bearer realm="api", error="invalid_token"',
    'Bearer <token>', 'Bearer YOUR_TOKEN_HERE', 'the keyboard has a key for everything',
    // prefixes as ordinary fragments, unrelated long tokens
    'desk-top-sk-' + 'a'.repeat(10), 'ghp_short', 'xoxb-123', 'AKIA123', 'ASIAPACIFICREGIONXX', 'commit 3f2a9c41d2e8b7a6f5c4d3e2b1a0f9e8d7c6b5a4',
    '3f2a9c41-1234-4567-8912-123456789012', 'eyJhbGciOiJIUzI1NiJ9', 'eyJhbGciOiJIUzI1NiJ9.',
  ])('leaves %j alone', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('does not treat a long value under an ordinary key as a secret', () => {
    for (const key of ['id', 'request_id', 'name', 'sort_key', 'public_key', 'token_type', 'description']) expect(found(body(32), { key })).toEqual([]);
  });

  it('merges overlapping findings into one span (a JWT after Bearer, inside a named field)', () => {
    expect(found(`Authorization: Bearer ${JWS}`)).toEqual([JWS]);
    expect(found(`{"access_token": "${JWS}", "token_type": "Bearer"}`)).toEqual([JWS]);
    const twoTokens = `ghp_${body(36)} and AKIA${body(16, BASE32)}`;
    expect(found(twoTokens)).toHaveLength(2);
  });

  it('gives the value as found as canonical form', () => {
    const token = 'ghp_' + body(36);
    expect(secretDetector.canonical(`x ${token} y`, 2, 2 + token.length)).toBe(token);
  });

  it('cannot rule out a value of a password length: a secret-like key outside the bytes may make it one', () => {
    const bytes = new TextEncoder().encode('hunter22x');
    expect(secretDetector.mayMatchAscii(bytes, 0, bytes.length)).toBe(true);
    expect(secretDetector.mayMatchAscii(bytes, 0, 7)).toBe(false);
  });

  it('stays linear on adversarial input', () => {
    const texts = [
      'password='.repeat(50_000), 'token: '.repeat(50_000), 'eyJ.'.repeat(50_000), '-----BEGIN '.repeat(30_000),
      'key'.repeat(100_000), 'Bearer '.repeat(50_000), 'aws '.repeat(50_000) + 'A'.repeat(100_000), 'ghp_'.repeat(50_000),
    ];
    const started = performance.now();
    for (const text of texts) found(text);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
