import { describe, expect, it } from 'vitest';
import { nameForMessage, parseContentType, withCharset } from './content-type.js';

describe('parseContentType', () => {
  it.each<[string, string, string | undefined]>([
    ['text/plain', 'text/plain', undefined],
    ['Text/HTML; Charset=UTF-16LE', 'text/html', 'utf-16le'],
    ['text/plain;charset="shift_jis"', 'text/plain', 'shift_jis'],
    ['text/plain; charset = utf-8', 'text/plain', undefined], // a space before '=' makes the name "charset " (WHATWG)
    ['text/plain; charset= utf-8 ', 'text/plain', 'utf-8'],
    ['text/plain; format=flowed; charset=iso-8859-1', 'text/plain', 'iso-8859-1'],
    ['text/plain; charset=utf-8; charset=utf-16le', 'text/plain', 'utf-8'], // the first one counts, as in browsers
    ['text/plain; charset="utf\\-16le"', 'text/plain', 'utf-16le'],
    ['text/plain; charset="utf-8', 'text/plain', 'utf-8'], // unterminated quote: the rest is the value
    ['text/plain; charset', 'text/plain', undefined],
    ['text/plain; charset=', 'text/plain', undefined],
    ['  application/problem+json  ', 'application/problem+json', undefined],
  ])('%s', (header, essence, charset) => {
    expect(parseContentType(header)).toMatchObject({ essence, charset });
  });

  it.each(['', 'text', '/plain', 'text/', 'te xt/plain', 'text/pl ain', 'text/plain/x'])('refuses %j', (header) => {
    expect(parseContentType(header)).toBeUndefined();
  });

  it('notes a repeated charset, which clients may read either way', () => {
    expect(parseContentType('text/plain; charset=utf-8; charset=utf-16le')?.charsetRepeated).toBe(true);
    expect(parseContentType('text/plain; charset=utf-8')?.charsetRepeated).toBe(false);
  });
});

describe('withCharset', () => {
  it('keeps the type as sent and its other parameters, with one charset', () => {
    const type = parseContentType('Text/HTML; Level=1; charset=latin1; title="a b"; charset=utf-16')!;
    expect(withCharset(type, 'utf-8')).toBe('Text/HTML;level=1;title="a b";charset=utf-8');
    expect(withCharset(parseContentType('text/plain')!, 'utf-8')).toBe('text/plain;charset=utf-8');
  });
});

describe('nameForMessage', () => {
  it('quotes names, not values that only sit where a name goes', () => {
    expect(nameForMessage('zstd')).toBe('"zstd"');
    expect(nameForMessage('x-mac-cyrillic')).toBe('"x-mac-cyrillic"');
    expect(nameForMessage('4111111111111111')).toBe('not a known name');
    expect(nameForMessage('jo@example.com')).toBe('not a known name');
  });
});
