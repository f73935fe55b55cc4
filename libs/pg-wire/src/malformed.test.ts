import { describe, expect, it } from 'vitest';
import { decodeBackend, dataRowValues } from './backend.decoder.js';
import { decodeFrontend, decodePassword, decodeSaslInitialResponse } from './frontend.decoder.js';
import { noticeFields } from './notice-fields.js';
import { PgWireError } from './pg-wire-error.js';
import { decodeStartup } from './startup.decoder.js';
import { byte, cstr, i16, i32, typedFrame as t, u16, u32, untypedFrame as u } from './wire.test-support.js';

/** [what, decode, the message it must fail with] */
type Case = readonly [string, () => unknown, RegExp];

const BAD_UTF8 = Buffer.from([0x61, 0xc3, 0x28, 0]);

const frontendCases: Case[] = [
  ['unknown type', () => decodeFrontend(t('Z')), /unknown frontend message type 'Z' \(0x5a\)/],
  ['untyped frame', () => decodeFrontend(u(u32(196608))), /unknown frontend message type 0x00/],
  ['Query without NUL', () => decodeFrontend(t('Q', Buffer.from('select 1'))), /^Query: query string is not NUL-terminated$/],
  ['Query with bytes after the NUL', () => decodeFrontend(t('Q', cstr('select 1'), Buffer.from('; drop'))), /^Query: 6 trailing byte\(s\)$/],
  ['Query not UTF-8', () => decodeFrontend(t('Q', BAD_UTF8)), /^Query: query string is not valid UTF-8$/],
  ['empty Query', () => decodeFrontend(t('Q')), /query string is not NUL-terminated/],
  ['Parse type count overruns', () => decodeFrontend(t('P', cstr(''), cstr('x'), i16(3), u32(23))), /^Parse: parameter type count 3 overruns the message \(4 bytes left\)$/],
  ['Parse trailing', () => decodeFrontend(t('P', cstr(''), cstr('x'), i16(0), byte(1))), /Parse: 1 trailing/],
  ['Parse truncated count', () => decodeFrontend(t('P', cstr(''), cstr('x'), byte(0))), /Parse: parameter type count overruns the message/],
  ['Bind negative length', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(0), i16(1), i32(-2), i16(0))), /^Bind: parameter 0 has negative length -2$/],
  ['Bind length overruns', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(0), i16(1), i32(10), Buffer.from('abc'), i16(0))), /^Bind: parameter 0 overruns the message$/],
  ['Bind format 2', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(1), i16(2), i16(0), i16(0))), /^Bind: parameter format 0 is 2, not 0 \(text\) or 1 \(binary\)$/],
  ['Bind negative format', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(0), i16(0), i16(1), i16(-1))), /result format 0 is -1/],
  ['Bind format count', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(2), i16(0), i16(1), i16(1), i32(-1), i16(0))), /^Bind: 2 parameter formats for 1 parameters$/],
  ['Bind parameter count overruns', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(0), u16(0xffff), i32(-1))), /parameter count 65535 overruns/],
  ['Bind without result formats', () => decodeFrontend(t('B', cstr(''), cstr(''), i16(0), i16(0))), /result format count overruns/],
  ['Bind portal unterminated', () => decodeFrontend(t('B', Buffer.from('portal'))), /^Bind: portal name is not NUL-terminated$/],
  ['Describe target', () => decodeFrontend(t('D', byte('X'), cstr(''))), /^Describe: target 'X' \(0x58\) is not one of 'S', 'P'$/],
  ['Describe name unterminated', () => decodeFrontend(t('D', byte('S'), Buffer.from('s1'))), /Describe: name is not NUL-terminated/],
  ['Close trailing', () => decodeFrontend(t('C', byte('P'), cstr(''), byte(0))), /Close: 1 trailing/],
  ['Execute truncated', () => decodeFrontend(t('E', cstr(''), i16(0))), /^Execute: row limit overruns the message$/],
  ['Sync with a body', () => decodeFrontend(t('S', byte(0))), /^Sync: 1 trailing byte\(s\)$/],
  ['Terminate with a body', () => decodeFrontend(t('X', i32(0))), /Terminate: 4 trailing/],
  ['CopyFail unterminated', () => decodeFrontend(t('f', Buffer.from('oops'))), /CopyFail: error message is not NUL-terminated/],
  ['FunctionCall truncated', () => decodeFrontend(t('F', u32(1), i16(0), i16(0))), /FunctionCall: result format overruns/],
  ['FunctionCall negative argument', () => decodeFrontend(t('F', u32(1), i16(0), i16(1), i32(-5), i16(0))), /argument 0 has negative length -5/],
  ['SASLInitialResponse negative length', () => decodeSaslInitialResponse(Buffer.concat([cstr('SCRAM-SHA-256'), i32(-2)])), /^SASLInitialResponse: initial response has negative length -2$/],
  ['SASLInitialResponse overruns', () => decodeSaslInitialResponse(Buffer.concat([cstr('SCRAM-SHA-256'), i32(5), Buffer.from('n,,')])), /initial response overruns/],
  ['SASLInitialResponse trailing', () => decodeSaslInitialResponse(Buffer.concat([cstr('M'), i32(0), byte(1)])), /SASLInitialResponse: 1 trailing/],
  ['SASLInitialResponse without length', () => decodeSaslInitialResponse(cstr('M')), /initial response length overruns/],
  ['PasswordMessage trailing', () => decodePassword(Buffer.concat([cstr('pw'), byte('x')])), /PasswordMessage: 1 trailing/],
];

const startupCases: Case[] = [
  ['unknown request code', () => decodeStartup(u(u32(80877105))), /^startup-phase message: unknown request code 80877105 \(1234\/5681\)$/],
  ['protocol 2.0', () => decodeStartup(u(u32(0x20000), cstr('user'), cstr('a'), byte(0))), /unsupported protocol version 2\.0 \(code 131072\)/],
  ['protocol 4.0', () => decodeStartup(u(u32(0x40000), byte(0))), /unsupported protocol version 4\.0/],
  ['SSLRequest with a body', () => decodeStartup(u(u32(80877103), byte(0))), /startup-phase message: 1 trailing/],
  ['GSSENCRequest with a body', () => decodeStartup(u(u32(80877104), i32(0))), /4 trailing/],
  ['CancelRequest short key', () => decodeStartup(u(u32(80877102), i32(1), Buffer.alloc(3))), /^CancelRequest: secret key of 3 bytes \(4\.\.256\)$/],
  ['CancelRequest long key', () => decodeStartup(u(u32(80877102), i32(1), Buffer.alloc(257))), /secret key of 257 bytes/],
  ['CancelRequest without pid', () => decodeStartup(u(u32(80877102), i16(1))), /CancelRequest: process id overruns/],
  ['name without value', () => decodeStartup(u(u32(196608), cstr('user'))), /^StartupMessage: parameter 0 has a name but no value$/],
  ['odd strings before the terminator', () => decodeStartup(u(u32(196608), cstr('user'), cstr('a'), cstr('database'), byte(0))), /parameter list does not end with an empty name/],
  ['no terminator', () => decodeStartup(u(u32(196608), cstr('user'), cstr('a'))), /^StartupMessage: parameter list does not end with an empty name$/],
  ['no parameters and no terminator', () => decodeStartup(u(u32(196608), byte(0x41))), /parameter 0 name is not NUL-terminated/],
  ['duplicate names', () => decodeStartup(u(u32(196608), cstr('user'), cstr('a'), cstr('user'), cstr('b'), byte(0))), /^StartupMessage: parameter 1 repeats an earlier name$/],
  ['bytes after the terminator', () => decodeStartup(u(u32(196608), cstr('user'), cstr('a'), byte(0), byte(0))), /StartupMessage: 1 trailing/],
  ['value not UTF-8', () => decodeStartup(u(u32(196608), cstr('user'), BAD_UTF8, byte(0))), /parameter 0 value is not valid UTF-8/],
];

const backendCases: Case[] = [
  ['unknown type', () => decodeBackend(t('Q')), /^unknown backend message type 'Q' \(0x51\)$/],
  ['Authentication truncated', () => decodeBackend(t('R', i16(0))), /Authentication: method overruns/],
  ['AuthenticationOk with a body', () => decodeBackend(t('R', i32(0), byte(0))), /Authentication: 1 trailing/],
  ['MD5 salt short', () => decodeBackend(t('R', i32(5), Buffer.alloc(3))), /^Authentication: salt overruns the message$/],
  ['MD5 salt long', () => decodeBackend(t('R', i32(5), Buffer.alloc(5))), /Authentication: 1 trailing/],
  ['SASL no mechanisms', () => decodeBackend(t('R', i32(10), byte(0))), /^Authentication: no SASL mechanism offered$/],
  ['SASL list unterminated', () => decodeBackend(t('R', i32(10), cstr('SCRAM-SHA-256'))), /SASL mechanism 1 is not NUL-terminated/],
  ['BackendKeyData short key', () => decodeBackend(t('K', i32(1), Buffer.alloc(2))), /^BackendKeyData: secret key of 2 bytes \(4\.\.256\)$/],
  ['ParameterStatus one string', () => decodeBackend(t('S', cstr('a'))), /ParameterStatus: value is not NUL-terminated/],
  ['ReadyForQuery status', () => decodeBackend(t('Z', byte('X'))), /^ReadyForQuery: transaction status 'X' \(0x58\) is not one of 'I', 'T', 'E'$/],
  ['ReadyForQuery empty', () => decodeBackend(t('Z')), /transaction status overruns/],
  ['RowDescription count overruns', () => decodeBackend(t('T', i16(2), cstr('a'), Buffer.alloc(18))), /^RowDescription: field count 2 overruns the message \(20 bytes left\)$/],
  ['RowDescription format', () => decodeBackend(t('T', i16(1), cstr('a'), Buffer.alloc(16), i16(2))), /^RowDescription: field 0 format is 2, not 0 \(text\) or 1 \(binary\)$/],
  ['RowDescription name unterminated', () => decodeBackend(t('T', i16(1), Buffer.alloc(19, 0x41))), /field 0 name is not NUL-terminated/],
  ['DataRow negative length', () => decodeBackend(t('D', i16(1), i32(-3))), /^DataRow: column 0 has negative length -3$/],
  ['DataRow overrun', () => decodeBackend(t('D', i16(2), i32(1), byte(1), i32(5), byte(1))), /^DataRow: column 1 overruns the message$/],
  ['DataRow count overrun', () => decodeBackend(t('D', i16(3), i32(-1))), /column count 3 overruns/],
  ['DataRow trailing', () => decodeBackend(t('D', i16(1), i32(-1), byte(0))), /DataRow: 1 trailing/],
  ['dataRowValues trailing', () => dataRowValues(Buffer.concat([i16(0), byte(0)])), /DataRow: 1 trailing/],
  ['dataRowValues empty', () => dataRowValues(Buffer.alloc(0)), /DataRow: column count overruns/],
  ['CommandComplete trailing', () => decodeBackend(t('C', cstr('SELECT 1'), byte(0))), /CommandComplete: 1 trailing/],
  ['ErrorResponse unterminated list', () => decodeBackend(t('E', byte('S'), cstr('ERROR'))), /ErrorResponse: field code overruns/],
  ['ErrorResponse duplicate field', () => decodeBackend(t('E', byte('M'), cstr('a'), byte('M'), cstr('b'), byte(0))), /^ErrorResponse: field 'M' \(0x4d\) appears twice$/],
  ['NoticeResponse value unterminated', () => decodeBackend(t('N', byte('M'), Buffer.from('abc'))), /NoticeResponse: field 'M' \(0x4d\) is not NUL-terminated/],
  ['CopyOutResponse format', () => decodeBackend(t('H', byte(2), i16(0))), /^CopyOutResponse: copy format 2 is not 0 \(text\) or 1 \(binary\)$/],
  ['CopyInResponse binary column in text', () => decodeBackend(t('G', byte(0), i16(1), i16(1))), /^CopyInResponse: a textual copy with a binary column$/],
  ['CopyBothResponse truncated', () => decodeBackend(t('W', byte(0), i16(2), i16(0))), /column format count 2 overruns/],
  ['ParameterDescription overrun', () => decodeBackend(t('t', i16(2), u32(23))), /parameter count 2 overruns/],
  ['NegotiateProtocolVersion negative count', () => decodeBackend(t('v', i32(0), i32(-1))), /unrecognized option count -1 does not fit/],
  ['NegotiateProtocolVersion count overrun', () => decodeBackend(t('v', i32(0), i32(1000), cstr('a'))), /unrecognized option count 1000 does not fit/],
  ['NegotiateProtocolVersion negative minor', () => decodeBackend(t('v', i32(-1), i32(0))), /newest minor version -1 is negative/],
  ['NotificationResponse truncated', () => decodeBackend(t('A', i32(1), cstr('chan'))), /NotificationResponse: payload is not NUL-terminated/],
  ['NoData with a body', () => decodeBackend(t('n', byte(0))), /^NoData: 1 trailing byte\(s\)$/],
  ['FunctionCallResponse negative', () => decodeBackend(t('V', i32(-2))), /result has negative length -2/],
  ['notice without message', () => noticeFields(new Map([['S', 'ERROR'], ['C', '42000']])), /without a message field/],
  ['notice without code', () => noticeFields(new Map([['V', 'ERROR'], ['M', 'm']])), /without a code field/],
  ['notice without severity', () => noticeFields(new Map([['C', '42000'], ['M', 'm']])), /without a severity field/],
];

describe.each([
  ['frontend', frontendCases],
  ['startup', startupCases],
  ['backend', backendCases],
])('%s decoders refuse malformed messages', (_, cases) => {
  it.each(cases)('%s', (_what, decode, message) => {
    let error: unknown;
    try {
      decode();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PgWireError);
    expect((error as PgWireError).code).toBe('MALFORMED');
    expect((error as PgWireError).message).toMatch(message);
  });
});

describe('decodeStartup', () => {
  it('refuses a typed frame whatever its type byte', () => {
    expect(() => decodeStartup(t('\0', u32(196608), byte(0)))).toThrow(expect.objectContaining({ code: 'UNEXPECTED' }));
  });
});
