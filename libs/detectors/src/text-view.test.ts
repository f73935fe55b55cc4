import { describe, expect, it } from 'vitest';
import { MapBuilder } from './offset-map.js';
import { inspectionView, sourceRange, type View } from './text-view.js';

/** Every view unit's source span, checked against the map's promises. */
function checkMap(source: string, view: View): void {
  if (view.maps.length === 0) {
    expect(view.text).toBe(source);
    return;
  }
  let previous: [number, number] | undefined;
  for (let i = 0; i < view.text.length; i++) {
    const [start, end] = sourceRange(view, i, i + 1);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    expect(end).toBeLessThanOrEqual(source.length);
    if (previous !== undefined) {
      // Both ends non-decreasing, and spans never overlap unless the units come from one source
      // character or escape (a ligature's letters, whose last may also cover an ignorable after it).
      expect(start).toBeGreaterThanOrEqual(previous[0]);
      expect(end).toBeGreaterThanOrEqual(previous[1]);
      if (start !== previous[0]) expect(start).toBeGreaterThanOrEqual(previous[1]);
    }
    previous = [start, end];
    // The unit comes from its span: viewing the span alone gives it back.
    expect(inspectionView(source.slice(start, end)).text).toContain(view.text[i]);
  }
}

const cases: readonly (readonly [string, string, string])[] = [
  // decimal digits of every script, to ASCII
  ['full-width digits', '４１１１', '4111'],
  ['Arabic-Indic digits', '٤١١١ ٠٩', '4111 09'],
  ['extended Arabic-Indic digits', '۴۱۱۱', '4111'],
  ['Devanagari digits', '४१११', '4111'],
  ['Bengali digits', '৪১১১', '4111'],
  ['Thai digits', '๔๑๑๑', '4111'],
  ['mathematical bold digits', '𝟒𝟏𝟏𝟏', '4111'],
  ['mathematical monospace digits', '𝟺𝟷𝟷𝟷', '4111'],
  ['mathematical double-struck digits', '𝟜𝟙𝟙𝟙', '4111'],
  ['mixed scripts in one run', '4١𝟏१', '4111'],
  // space separators, to U+0020
  ['no-break space', '4111\u00a01111', '4111 1111'],
  ['thin space', '4111\u20091111', '4111 1111'],
  ['narrow no-break space', '4111\u202f1111', '4111 1111'],
  ['figure space', '4111\u20071111', '4111 1111'],
  ['ideographic space', '4111\u30001111', '4111 1111'],
  ['em quad', '4111\u20011111', '4111 1111'],
  // dashes, to '-'
  ['en dash', '4111\u20131111', '4111-1111'],
  ['em dash', '4111\u20141111', '4111-1111'],
  ['minus sign', '\u22124111', '-4111'],
  ['non-breaking hyphen', '4111\u20111111', '4111-1111'],
  ['small hyphen-minus', '4111\ufe631111', '4111-1111'],
  ['full-width hyphen-minus', '4111\uff0d1111', '4111-1111'],
  // default-ignorables removed
  ['zero-width space between digits', '4111\u200b1111', '41111111'],
  ['zero-width joiner and non-joiner', '41\u200d11\u200c11', '411111'],
  ['word joiner', '4111\u20601111', '41111111'],
  ['soft hyphen', '4111\u00ad1111', '41111111'],
  ['byte-order mark', '\ufeff4111', '4111'],
  ['bidi override and marks', '\u202e4111\u202c\u200e1', '41111'],
  ['variation selector', '4\ufe0f1', '41'],
  ['tag characters', 'jo\u{e0041}@x.io', 'jo@x.io'],
  ['Mongolian vowel separator', '41\u180e11', '4111'],
  // marks after a digit removed, others kept
  ['combining tilde after a digit', '4\u03031\u0303', '41'],
  ['keycap sequence', '4\ufe0f\u20e31', '41'],
  ['mark after an ASCII letter dropped', 'e\u0301', 'e'],
  ['mark after a separator dropped (underlined text)', '4\u0332 \u03321\u0332', '4 1'],
  ['mark on another script\'s letter kept', '\u0915\u093f', '\u0915\u093f'],
  ['line and paragraph separators and NEL as spaces', '1\u20282\u20293\u00854', '1 2 3 4'],
  // NFKC per code point
  ['full-width address', 'ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'jo@example.com'],
  ['small commercial at', 'jo\ufe6bexample.com', 'jo@example.com'],
  ['ligature', '\ufb01le', 'file'],
  ['superscript and circled digits', '\u00b2\u2460', '21'],
  ['Kelvin sign', '\u212aey', 'Key'],
  ['composed letters untouched', 'café', 'café'],
  // character references
  ['decimal reference', '&#52;111', '4111'],
  ['hex reference', '&#x34;&#X31;11', '4111'],
  ['decimal reference without semicolon', '&#52 111', '4 111'],
  ['hex reference without semicolon', '&#x34 1', '4 1'],
  ['named reference', 'jo&commat;example&period;com', 'jo@example.com'],
  ['legacy name without semicolon', 'a&ampb &lt', 'a&b <'],
  ['no-break space reference', '4111&nbsp;1111', '4111 1111'],
  ['dash reference', '4111&ndash;1111&hyphen;1', '4111-1111-1'],
  ['two-code-point reference', '&NotEqualTilde;', '\u2242\u0338'],
  ['astral reference', '&#x1D7D2;', '4'],
  ['not a reference', 'R&D & co &zzz;', 'R&D & co &zzz;'],
  // percent-escapes forming UTF-8
  ['percent ASCII', '%34111 jo%40example.com', '4111 jo@example.com'],
  ['percent UTF-8 full-width at', 'jo%EF%BC%A0example.com', 'jo@example.com'],
  ['percent UTF-8 no-break space', '4111%C2%A01111', '4111 1111'],
  ['percent truncated UTF-8 kept', '%E2%82 x', '%E2%82 x'],
  ['percent overlong kept', '%C0%B4', '%C0%B4'],
  ['percent not hex kept', '100% %zz', '100% %zz'],
  ['plus is not a space outside forms', '4111+1111', '4111+1111'],
  // backslash escapes
  ['\\u escape', '\\u0034111', '4111'],
  ['\\u{} escape', '\\u{34}111 \\u{1D7D2}', '4111 4'],
  ['\\u surrogate pair', '\\uD835\\uDFD2', '4'],
  ['\\x escape', '\\x34111', '4111'],
  ['\\x UTF-8 bytes', '\\xef\\xbc\\xa0', '@'],
  ['\\x latin-1', '\\xa0', ' '],
  ['other backslashes kept', 'C:\\dir\\n \\u12', 'C:\\dir\\n \\u12'],
  // repeated rounds
  ['double percent', '%2534111', '4111'],
  ['entity inside entity', '&amp;#52;111', '4111'],
  ['reference to a percent-escape', '&#37;34', '4'],
  ['percent-encoded reference', '%26%2352%3B', '4'],
  ['triple percent', '%252534', '4'],
  ['escape then fold', '%EF%BC%94', '4'],
];

describe('inspectionView', () => {
  it.each(cases)('%s', (_name, source, expected) => {
    const view = inspectionView(source);
    expect(view.text).toBe(expected);
    checkMap(source, view);
  });

  it('is the source itself for ASCII without &, % or \\ (no map, no copy), and never folds ASCII', () => {
    const source = 'plain\ttext 4111-1111 jo@example.com';
    const view = inspectionView(source);
    expect(view.text).toBe(source);
    expect(view.maps).toEqual([]);
    expect(inspectionView('a & b 100%').maps).toEqual([]); // nothing decoded: still no map
    expect(inspectionView('café').maps).toEqual([]); // nothing folded
  });

  it('finds what needs a view in a long text (checked natively) as in a short one (by regex)', () => {
    const padding = 'plain ascii text '.repeat(100);
    expect(padding.length).toBeGreaterThan(1024);
    const specials = [['４', false], ['\u200b', false], ['\u00a0', false], ['\ud800', false], ['%34', false], ['&#52;', false], ['\\x34', false], ['+', true]] as const;
    expect(specials.filter(([special, form]) => inspectionView(special, { plusIsSpace: form }).maps.length > 0).length).toBeGreaterThanOrEqual(6);
    for (const [special, form] of specials) {
      const options = { plusIsSpace: form };
      for (const source of [special + padding, padding + special, padding.slice(0, 500) + special + padding]) {
        const short = inspectionView(special, options);
        const long = inspectionView(source, options);
        expect(long.maps.length > 0).toBe(short.maps.length > 0);
        expect(long.text).toBe(source.replace(special, short.text));
      }
      expect(inspectionView(padding, options).maps).toEqual([]);
    }
  });

  it('decodes up to eight rounds, and refuses a text that still decodes after them', () => {
    expect(inspectionView('%25252534').text).toBe('4');
    expect(inspectionView(`%${'25'.repeat(7)}34`).text).toBe('4');
    expect(() => inspectionView(`%${'25'.repeat(8)}34`)).toThrow(expect.objectContaining({ code: 'MASKING_FAILED' }));
    expect(inspectionView('&amp;amp;amp;amp;amp; ok').text).toBe('& ok');
  });

  it('decodes + as a space in the first round of a form view only', () => {
    expect(inspectionView('4111+1111', { plusIsSpace: true }).text).toBe('4111 1111');
    expect(inspectionView('a%2Bb', { plusIsSpace: true }).text).toBe('a+b');
  });

  it('folds every decimal digit of every script: each run of ten is 0-9, and NFKC agrees where it gives a digit', () => {
    const decimal = /\p{Nd}/u;
    let digits = 0;
    for (let codePoint = 0x80; codePoint <= 0x10ffff; codePoint++) {
      const char = String.fromCodePoint(codePoint);
      if (!decimal.test(char)) continue;
      digits++;
      const folded = inspectionView(char).text;
      expect(folded).toMatch(/^[0-9]$/);
      const normal = char.normalize('NFKC');
      if (/^[0-9]$/.test(normal)) expect(folded).toBe(normal);
      if (!decimal.test(String.fromCodePoint(codePoint - 1)) || folded === '0') {
        const run = Array.from({ length: 10 }, (_, k) => String.fromCodePoint(codePoint + k)).join('');
        expect(inspectionView(run).text).toBe('0123456789');
      }
    }
    expect(digits).toBeGreaterThan(600);
  });

  it('maps a view range to the smallest source span holding every contributing character', () => {
    const span = (source: string, start: number, end: number) => {
      const view = inspectionView(source);
      return sourceRange(view, start, end);
    };
    expect(span('x 4111\u200b1111 y', 2, 10)).toEqual([2, 11]); // the ignorable inside is covered
    expect(span('&#52;111', 0, 1)).toEqual([0, 5]);
    expect(span('&#52;111', 1, 4)).toEqual([5, 8]);
    expect(span('𝟒1', 0, 1)).toEqual([0, 2]);
    expect(span('%2534 ', 0, 1)).toEqual([0, 5]); // through both rounds
    expect(span('41\u0303 x', 0, 2)).toEqual([0, 3]); // a mark after the last digit goes with it
    expect(span('\ufb01x', 1, 2)).toEqual([0, 1]); // both letters of a ligature come from its one code point
  });

  it('composes with a map onto an outer source', () => {
    // "4<b>1</b>1" read as its text content "411": view units map to the outer positions.
    const outer = '4<b>1</b>1';
    const content = new MapBuilder(outer);
    content.copy(0, 1);
    content.copy(4, 5);
    content.copy(9, 10);
    const { text, map } = content.finish();
    const plain = inspectionView(text, { map });
    expect([sourceRange(plain, 0, 1), sourceRange(plain, 1, 3)]).toEqual([[0, 1], [4, 10]]);
    const encoded = '&#52;<b>1</b>1';
    const decodedContent = new MapBuilder(encoded);
    decodedContent.copy(0, 5);
    decodedContent.copy(8, 9);
    decodedContent.copy(13, 14);
    const mapped = decodedContent.finish();
    const decoded = inspectionView(mapped.text, { map: mapped.map });
    expect(decoded.text).toBe('411');
    expect([sourceRange(decoded, 0, 1), sourceRange(decoded, 1, 3)]).toEqual([[0, 5], [8, 14]]);
  });

  it('keeps the map consistent on generated mixtures of every encoding', () => {
    const pieces = ['4', '１', '٤', '𝟒', '\u200b', '\u00ad', '\u00a0', '\u2013', '&#52;', '&#x34', '&amp;', '&nbsp;', '%34', '%2534', '%EF%BC%A0',
      '\\u0034', '\\x34', '\u0303', 'e\u0301', 'ﬁ', '@', 'a', ' ', '&', '%', '\\', '\u{1F600}', '&amp;#52;', '\ufeff'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let sample = 0; sample < 300; sample++) {
      let source = '';
      const count = 1 + Math.floor(random() * 12);
      for (let k = 0; k < count; k++) source += pieces[Math.floor(random() * pieces.length)];
      checkMap(source, inspectionView(source));
    }
  });
});
