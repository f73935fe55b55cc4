import { Tokenizer } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { maskBody, type MaskingProfile } from './index.js';
import { maskMarkupWith } from './mask-markup.js';
import { compileProfile } from './profile.js';

const profile: MaskingProfile = { name: 'html', detectors: ['email', 'card'], fields: [], columns: [], styles: { email: 'redact', card: 'redact' } };
const html = (body: string) => maskBody(body, 'text/html', profile);
const xml = (body: string) => maskBody(body, 'application/xml', profile);

/** The markup of a document (tag and attribute names, comments, CDATA and PIs as kinds), without its content. */
function structure(source: string, xmlMode: boolean): string[] {
  const events: string[] = [];
  const name = (kind: string) => (start: number, end: number) => void events.push(`${kind}:${source.slice(start, end)}`);
  const tokenizer = new Tokenizer({ xmlMode, decodeEntities: false }, {
    onopentagname: name('open'), onclosetag: name('close'), onattribname: name('attribute'),
    oncomment: () => void events.push('comment'), oncdata: () => void events.push('cdata'),
    onprocessinginstruction: () => void events.push('pi'), ondeclaration: () => void events.push('declaration'),
    onattribdata: () => undefined, onattribentity: () => undefined, onattribend: () => undefined, onend: () => undefined,
    onopentagend: () => void events.push('>'), onselfclosingtag: () => void events.push('/>'), ontext: () => undefined, ontextentity: () => undefined,
    isInForeignContext: () => false,
  });
  tokenizer.write(source);
  tokenizer.end();
  return events;
}

describe('HTML', () => {
  it.each([
    ['a numeric reference', '<p>mail jo&#64;example.com now</p>', '<p>mail [REDACTED:email] now</p>'],
    ['a named reference', '<p>jo&commat;example&period;com</p>', '<p>[REDACTED:email]</p>'],
    ['references without semicolon', '<p>4111&nbsp1111&nbsp1111&nbsp1111</p>', '<p>[REDACTED:card]</p>'],
    ['a card split by inline tags', '<p>4111<b>1111</b>1111 1111</p>', '<p>[REDACTED:card]<b></b></p>'],
    ['a card split by a comment', '<p>4111<!-- x -->1111 1111 1111</p>', '<p>[REDACTED:card]<!-- x --></p>'],
    ['a card split across elements', '<td>4111 1111</td><td>1111 1111</td>', '<td>[REDACTED:card]</td><td></td>'],
    ['an address split by tags', '<p>jo<span>@</span>example.com</p>', '<p>[REDACTED:email]<span></span></p>'],
    ['an address split by tags and encoded', '<p>jo&#64;<b>example</b>&#46;com!</p>', '<p>[REDACTED:email]<b></b>!</p>'],
    ['an address in an attribute', '<a href="mailto:jo@example.com" title="x">x</a>', '<a href="mailto:[REDACTED:email]" title="x">x</a>'],
    ['an encoded address in an attribute', "<img alt='jo&#x40;example.com'>", "<img alt='[REDACTED:email]'>"],
    ['an address in a script', '<script>var e = "jo@example.com"; if (a<b) {}</script>', '<script>var e = "[REDACTED:email]"; if (a<b) {}</script>'],
    ['an address in a comment', '<!-- owner jo@example.com -->', '<!-- owner [REDACTED:email] -->'],
    ['full-width digits in text', '<p>４１１１ １１１１ １１１１ １１１１</p>', '<p>[REDACTED:card]</p>'],
  ])('masks %s', (_name, body, expected) => {
    const result = html(body);
    expect(result.text).toBe(expected);
    expect(structure(result.text, false)).toEqual(structure(body, false));
  });

  it('gives a clean document back as it was', () => {
    const body = '<!doctype html><html><body><p class="a">caf&eacute; &amp; 100% <b>bold</b></p><!-- c --></body></html>';
    expect(html(body)).toEqual({ text: body, findings: {} });
  });

  it('counts a value seen by several passes once', () => {
    expect(html('<p>jo@example.com</p><p>4111 1111 1111 1111</p>').findings).toEqual({ email: 1, card: 1 });
  });

  it('escapes replacements for where they land, so the markup stays as it was', () => {
    const base = compileProfile(profile);
    const compiled = { ...base, replace: { ...base.replace, detector: () => `<x&"y'>--` } };
    const body = '<p title="jo@example.com">jo@example.com</p><!-- jo@example.com -->';
    const masked = maskMarkupWith(body, false, compiled, {});
    expect(masked).toBe('<p title="&lt;x&amp;&quot;y&#39;&gt;--">&lt;x&amp;&quot;y&#39;&gt;--</p><!-- _x&"y\'___ -->');
    expect(structure(masked, false)).toEqual(structure(body, false));
  });
});

describe('XML', () => {
  it.each([
    ['text', '<?xml version="1.0"?><r xmlns:a="urn:x"><a:e>jo@example.com</a:e></r>', '<?xml version="1.0"?><r xmlns:a="urn:x"><a:e>[REDACTED:email]</a:e></r>'],
    ['CDATA', '<r><![CDATA[4111 1111 1111 1111]]></r>', '<r><![CDATA[[REDACTED:card]]]></r>'],
    ['CDATA next to text', '<r>4111 1111 <![CDATA[1111 1111]]></r>', '<r>[REDACTED:card]<![CDATA[]]></r>'],
    ['an attribute', '<r owner="jo&#64;example.com"/>', '<r owner="[REDACTED:email]"/>'],
    ['a processing instruction', '<?note jo@example.com?><r/>', '<?note [REDACTED:email]?><r/>'],
  ])('masks %s', (_name, body, expected) => {
    const result = xml(body);
    expect(result.text).toBe(expected);
    expect(structure(result.text, true)).toEqual(structure(body, true));
  });

  it.each(['application/xml', 'text/xml', 'application/xhtml+xml', 'image/svg+xml', 'application/atom+xml', 'application/soap+xml'])('reads %s as XML', (type) => {
    expect(maskBody('<svg><text>jo<tspan>@</tspan>example.com</text></svg>', type, profile).text).toBe('<svg><text>[REDACTED:email]<tspan></tspan></text></svg>');
  });
});
