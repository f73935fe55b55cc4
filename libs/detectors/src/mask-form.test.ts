import { describe, expect, it } from 'vitest';
import { maskBody, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'form', detectors: ['email', 'card'], fields: ['password', 'ssn'], columns: [], styles: { email: 'redact', card: 'redact' } };
const form = (body: string) => maskBody(body, 'application/x-www-form-urlencoded', profile);
const EMAIL = '%5BREDACTED%3Aemail%5D';
const CARD = '%5BREDACTED%3Acard%5D';

describe('form-urlencoded', () => {
  it('masks names and values, re-encoding only what was masked', () => {
    expect(form('a=1&to=jo%40example.com&pan=4111+1111+1111+1111&q=caf%C3%A9+au+lait&empty=&flag')).toEqual({
      text: `a=1&to=${EMAIL}&pan=${CARD}&q=caf%C3%A9+au+lait&empty=&flag`,
      findings: { email: 1, card: 1 },
    });
  });

  it.each([
    ['plus-separated card', 'pan=4111+1111+1111+1111', `pan=${CARD}`],
    ['percent-encoded at', 'to=jo%40example.com', `to=${EMAIL}`],
    ['double percent-encoding', 'to=jo%2540example.com', `to=${EMAIL}`],
    ['full-width digits in UTF-8', 'pan=%EF%BC%94111+1111+1111+1111', `pan=${CARD}`],
    ['an address as a name', 'jo%40example.com=1', `${EMAIL}=1`],
    ['semicolon separators', 'a=1;to=jo@example.com', `a=1;to=${EMAIL}`],
    ['a value with an equals sign', 'x=a=jo@example.com', `x=a=${EMAIL}`],
  ])('%s', (_name, body, expected) => {
    expect(form(body).text).toBe(expected);
  });

  it('replaces the value of a field rule, matched after decoding, case-insensitively', () => {
    expect(form('user=ada&Password=hunter2&pass%77ord=x&SSN=123-45-6789&%EF%BD%90assword=y')).toEqual({
      text: 'user=ada&Password=%5BREDACTED%5D&pass%77ord=%5BREDACTED%5D&SSN=%5BREDACTED%5D&%EF%BD%90assword=%5BREDACTED%5D',
      findings: { field: 4 },
    });
    expect(form('password').text).toBe('password'); // a name without a value has nothing to replace
  });

  it('gives a clean body back as it was', () => {
    const body = 'a=1&b=%7Bx%7D&c=hello+world&&d';
    expect(form(body)).toEqual({ text: body, findings: {} });
  });
});
