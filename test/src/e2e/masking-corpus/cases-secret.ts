import type { EvasionCase } from './corpus.types.js';
import { fullwidth, hexEntities, jsonEscapeSome, percentAll } from './encode.js';
import { evasion, form, html, json, ndjson, rawJson, rawText, sse, sseData, text, xml } from './formats.js';
import { fieldValue, jwtSecret, pemSecret, secret, SECRETS, tokenSecret } from './values.js';

// Secrets: cloud keys, private keys, JWTs, platform tokens and high-entropy values under key-like
// names, in the places they really turn up (config files, logs, JSON APIs, event streams).

export function secretCases(): EvasionCase[] {
  const s = SECRETS;
  const awsId = tokenSecret('aws key id', s.awsKeyId, 4);
  const awsSecret = secret('aws secret key', s.awsSecret);
  const ghp = tokenSecret('ghp', s.ghp, 4);
  const pemLines = (pem: string) => pem.trimEnd().split('\n');
  return [
    evasion('secret-aws-key-id-ini', 'secret/aws', awsId, rawText(`[default]\naws_access_key_id = ${s.awsKeyId}\nregion = eu-west-one\n`)),
    evasion('secret-aws-key-id-json', 'secret/aws', awsId, rawJson(`{"Credentials":{"AccessKeyId":"${s.awsKeyId}","Expiration":"soon"}}`)),
    evasion('secret-aws-key-id-bare', 'secret/aws', awsId, text(`the key ${s.awsKeyId} was rotated`)),
    evasion('secret-aws-temp-key-id', 'secret/aws', tokenSecret('aws temp key id', s.awsTempKeyId, 4), json(s.awsTempKeyId, 'accessKeyId')),
    evasion('secret-aws-secret-ini', 'secret/aws', awsSecret, rawText(`[default]\naws_secret_access_key=${s.awsSecret}\n`)),
    evasion('secret-aws-secret-json', 'secret/aws', awsSecret, rawJson(`{"Credentials":{"SecretAccessKey":"${s.awsSecret.replaceAll('/', '\\/')}"}}`)),
    evasion('secret-aws-secret-env', 'secret/aws', awsSecret, rawText(`export AWS_SECRET_ACCESS_KEY="${s.awsSecret}"\n`)),
    evasion('secret-pem-rsa', 'secret/pem', pemSecret('rsa key', s.rsaPem), rawText(`key file follows\n${s.rsaPem}`)),
    evasion('secret-pem-pkcs8-json', 'secret/pem', pemSecret('pkcs8 key', s.pkcs8Pem), json(s.pkcs8Pem, 'private_key')),
    evasion('secret-pem-ec', 'secret/pem', pemSecret('ec key', s.ecPem), rawText(s.ecPem)),
    evasion('secret-pem-openssh', 'secret/pem', pemSecret('openssh key', s.opensshPem), rawText(`id_ed25519:\n${s.opensshPem}`)),
    evasion('secret-pem-crlf-json', 'secret/pem', pemSecret('rsa key', s.rsaPem), json(s.rsaPem.replaceAll('\n', '\r\n'), 'key')),
    evasion('secret-pem-sse-data-lines', 'secret/pem', pemSecret('ec key', s.ecPem), sse(`event: key\n${pemLines(s.ecPem).map((l) => `data: ${l}`).join('\n')}\n\n`)),
    evasion('secret-pem-html-pre', 'secret/pem', pemSecret('openssh key', s.opensshPem), html(`<pre>${s.opensshPem}</pre>`)),
    evasion('secret-jwt-json', 'secret/jwt', jwtSecret(s.jwt), rawJson(`{"access_token":"${s.jwt}","token_type":"Bearer"}`)),
    evasion('secret-jwt-log', 'secret/jwt', jwtSecret(s.jwt), rawText(`INFO request ok token=${s.jwt} user=svc\n`)),
    evasion('secret-jwt-cookie-text', 'secret/jwt', jwtSecret(s.jwt), text(`session cookie was ${s.jwt}`)),
    evasion('secret-github-ghp', 'secret/github', ghp, text(`use ${s.ghp} for the mirror`)),
    evasion('secret-github-gho-json', 'secret/github', tokenSecret('gho', s.gho, 4), json(s.gho, 'value')),
    evasion('secret-github-pat', 'secret/github', tokenSecret('github_pat', s.githubPat, 11), rawText(`GITHUB_TOKEN=${s.githubPat}\n`)),
    evasion('secret-gitlab-glpat', 'secret/gitlab', tokenSecret('glpat', s.glpat, 6), json(`token ${s.glpat}`, 'note')),
    evasion('secret-slack-xoxb', 'secret/slack', tokenSecret('xoxb', s.xoxb, 5), text(`bot token ${s.xoxb}`)),
    evasion('secret-slack-xoxp-ndjson', 'secret/slack', tokenSecret('xoxp', s.xoxp, 5), ndjson(`user token ${s.xoxp}`)),
    evasion('secret-slack-webhook-json', 'secret/slack', tokenSecret('slack webhook', s.slackWebhook, 33), json(s.slackWebhook, 'url')),
    evasion('secret-slack-webhook-html', 'secret/slack', tokenSecret('slack webhook', s.slackWebhook, 33), html(`<a href="${s.slackWebhook}">hook</a>`)),
    evasion('secret-stripe-live', 'secret/stripe', tokenSecret('sk_live', s.stripeLive, 8), text(`stripe key ${s.stripeLive}`)),
    evasion('secret-stripe-restricted-json', 'secret/stripe', tokenSecret('rk_live', s.stripeRestricted, 8), json(s.stripeRestricted, 'key')),
    evasion('secret-stripe-webhook', 'secret/stripe', tokenSecret('whsec', s.stripeWebhook, 6), rawText(`STRIPE_WEBHOOK_SECRET=${s.stripeWebhook}\n`)),
    evasion('secret-stripe-escaped-json', 'json/escape', tokenSecret('sk_live', s.stripeLive, 8), rawJson(`{"note":"${jsonEscapeSome(s.stripeLive, 's_')}"}`)),
    evasion('secret-stripe-entities', 'html/entity', tokenSecret('sk_live', s.stripeLive, 8), html(`key ${hexEntities(s.stripeLive.slice(0, 8))}${s.stripeLive.slice(8)}`)),
    evasion('secret-stripe-fullwidth', 'secret/fullwidth', tokenSecret('sk_live', s.stripeLive, 8), text(`key ${fullwidth(s.stripeLive)}`)),
    evasion('secret-api-key-json', 'secret/key-like', secret('api_key', s.apiKey), rawJson(`{"service":"maps","api_key":"${s.apiKey}"}`)),
    evasion('secret-api-key-camel', 'secret/key-like', secret('apiKey', s.apiKey), rawJson(`{"config":{"apiKey":"${s.apiKey}","region":"eu"}}`)),
    evasion('secret-client-secret-xml', 'secret/key-like', secret('client_secret', s.apiKey), xml(`<client><client_secret>${s.apiKey}</client_secret></client>`)),
    evasion('secret-api-key-header-log', 'secret/key-like', secret('x-api-key', s.apiKey), rawText(`GET /v1/maps\nX-Api-Key: ${s.apiKey}\nAccept: */*\n`)),
    evasion('secret-bearer-log', 'secret/bearer', secret('bearer', s.bearer), rawText(`DEBUG upstream call\nAuthorization: Bearer ${s.bearer}\nDEBUG done\n`)),
    evasion('secret-bearer-sse', 'secret/bearer', secret('bearer', s.bearer), sseData(`Authorization: Bearer ${s.bearer}`)),
    evasion('secret-password-log', 'secret/key-like', secret('password in log', s.password), rawText(`connecting with user=svc password=${s.password} host=db\n`)),
    evasion('secret-password-form', 'field/form', fieldValue('form password', s.password), form(`user=svc&password=${encodeURIComponent(s.password)}&remember=on`)),
    evasion('secret-token-form-percent', 'secret/github', ghp, form(`token=${percentAll(s.ghp)}&scope=repo`)),
  ];
}
