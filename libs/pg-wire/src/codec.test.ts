import { describe, expect, it } from 'vitest';
import * as wire from './index.js';
import { cstr, i16, i32, onlyFrame, typedFrame, u32 } from './wire.test-support.js';

const backend = (bytes: Buffer) => wire.decodeBackend(onlyFrame(bytes));
const frontend = (bytes: Buffer) => wire.decodeFrontend(onlyFrame(bytes));
const startup = (bytes: Buffer) => wire.decodeStartup(onlyFrame(bytes, true));

function unexpected(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(wire.PgWireError);
    expect((err as wire.PgWireError).code).toBe('UNEXPECTED');
    return (err as Error).message;
  }
  throw new Error('expected a PgWireError');
}

describe('backend messages round trip', () => {
  it('authentication requests', () => {
    expect(backend(wire.authenticationOk())).toEqual({ type: 'Authentication', kind: 'ok' });
    expect(backend(wire.authenticationCleartextPassword())).toEqual({ type: 'Authentication', kind: 'cleartextPassword' });
    const salt = Buffer.from([1, 2, 3, 4]);
    expect(backend(wire.authenticationMd5Password(salt))).toEqual({ type: 'Authentication', kind: 'md5Password', salt });
    expect(backend(wire.authenticationSasl(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']))).toEqual({
      type: 'Authentication',
      kind: 'sasl',
      mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'],
    });
    const data = Buffer.from('r=abc,s=c2FsdA==,i=4096');
    expect(backend(wire.authenticationSaslContinue(data))).toEqual({ type: 'Authentication', kind: 'saslContinue', data });
    expect(backend(wire.authenticationSaslFinal(data))).toEqual({ type: 'Authentication', kind: 'saslFinal', data });
    expect(wire.decodeBackend(typedFrame('R', i32(7)))).toEqual({ type: 'Authentication', kind: 'authentication', method: 7, data: Buffer.alloc(0) });
  });

  it('session start and status', () => {
    expect(backend(wire.parameterStatus('server_version', '15.8'))).toEqual({ type: 'ParameterStatus', name: 'server_version', value: '15.8' });
    for (const secretKey of [Buffer.from([9, 8, 7, 6]), Buffer.alloc(32, 5), Buffer.alloc(256, 1)]) {
      expect(backend(wire.backendKeyData(-42, secretKey))).toEqual({ type: 'BackendKeyData', processId: -42, secretKey });
    }
    for (const status of ['I', 'T', 'E'] as const) expect(backend(wire.readyForQuery(status))).toEqual({ type: 'ReadyForQuery', status });
    expect(backend(wire.negotiateProtocolVersion(0, ['_pq_.compression']))).toEqual({
      type: 'NegotiateProtocolVersion',
      newestMinor: 0,
      unrecognized: ['_pq_.compression'],
    });
    expect(backend(wire.notificationResponse(77, 'jobs', 'done ✓'))).toEqual({ type: 'NotificationResponse', processId: 77, channel: 'jobs', payload: 'done ✓' });
  });

  it('errors and notices, with S and V both written and every named field back', () => {
    const input = {
      severity: 'FATAL',
      code: '28P01',
      message: 'password authentication failed for user "ada"',
      detail: 'd',
      hint: 'h',
      position: '12',
      internalPosition: '3',
      internalQuery: 'select',
      where: 'w',
      schema: 'public',
      table: 't',
      column: 'c',
      dataType: 'int4',
      constraint: 'k',
      file: 'auth.c',
      line: '330',
      routine: 'auth_failed',
    } as const;
    const decoded = backend(wire.errorResponse(input));
    if (decoded.type !== 'ErrorResponse') throw new Error(decoded.type);
    expect(decoded.fields.get('S')).toBe('FATAL');
    expect(decoded.fields.get('V')).toBe('FATAL');
    expect(wire.noticeFields(decoded.fields)).toEqual({ ...input, localizedSeverity: 'FATAL' });
    const notice = backend(wire.noticeResponse({ severity: 'WARNING', code: '01000', message: 'careful' }));
    if (notice.type !== 'NoticeResponse') throw new Error(notice.type);
    expect(wire.noticeFields(notice.fields)).toEqual({ severity: 'WARNING', localizedSeverity: 'WARNING', code: '01000', message: 'careful' });
  });

  it('relays a received error with its localized severity', () => {
    const received = wire.noticeFields(new Map([['S', 'FEHLER'], ['V', 'ERROR'], ['C', '42P01'], ['M', 'Relation existiert nicht']]));
    if (!wire.isErrorSeverity(received.severity)) throw new Error(received.severity);
    const relayed = backend(wire.errorResponse({ ...received, severity: received.severity, message: '[masked]' }));
    if (relayed.type !== 'ErrorResponse') throw new Error(relayed.type);
    expect([...relayed.fields]).toEqual([['S', 'FEHLER'], ['V', 'ERROR'], ['C', '42P01'], ['M', '[masked]']]);
    expect(wire.isNoticeSeverity('ERROR')).toBe(false);
  });

  it('prefers the non-localized severity and ignores unknown field codes', () => {
    const fields = new Map([
      ['S', 'FEHLER'],
      ['V', 'ERROR'],
      ['C', '42P01'],
      ['M', 'm'],
      ['X', 'future'],
    ]);
    expect(wire.noticeFields(fields)).toEqual({ severity: 'ERROR', localizedSeverity: 'FEHLER', code: '42P01', message: 'm' });
  });

  it('query results, DataRow values being subarrays of the frame', () => {
    const fields = [
      { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 1 as const },
      { name: '名前', tableOid: 0, columnAttr: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 as const },
    ];
    expect(backend(wire.rowDescription(fields))).toEqual({ type: 'RowDescription', fields });
    expect(backend(wire.rowDescription([{ name: '?column?', typeOid: 23 }]))).toEqual({
      type: 'RowDescription',
      fields: [{ name: '?column?', tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: -1, typeModifier: -1, format: 0 }],
    });
    const values = [Buffer.from('1'), null, Buffer.alloc(0), Buffer.from([0, 255])];
    const frame = onlyFrame(wire.dataRow(values));
    expect(wire.decodeBackend(frame)).toEqual({ type: 'DataRow', values });
    const lazy = wire.dataRowValues(frame.payload);
    expect(lazy).toEqual(values);
    expect(lazy[0]!.buffer).toBe(frame.raw.buffer);
    expect(backend(wire.dataRow([]))).toEqual({ type: 'DataRow', values: [] });
    expect(backend(wire.commandComplete('SELECT 1'))).toEqual({ type: 'CommandComplete', tag: 'SELECT 1' });
  });

  it('extended-protocol answers and empty messages', () => {
    expect(backend(wire.parameterDescription([23, 25, 0xffffffff]))).toEqual({ type: 'ParameterDescription', typeOids: [23, 25, 0xffffffff] });
    const empties = {
      EmptyQueryResponse: wire.emptyQueryResponse,
      NoData: wire.noData,
      ParseComplete: wire.parseComplete,
      BindComplete: wire.bindComplete,
      CloseComplete: wire.closeComplete,
      PortalSuspended: wire.portalSuspended,
      CopyDone: wire.copyDone,
    };
    for (const [type, encode] of Object.entries(empties)) {
      expect(encode()).toHaveLength(5);
      expect(backend(encode())).toEqual({ type });
    }
  });

  it('copy', () => {
    expect(backend(wire.copyInResponse(0, [0, 0]))).toEqual({ type: 'CopyInResponse', format: 0, columnFormats: [0, 0] });
    expect(backend(wire.copyOutResponse(1, [1, 0]))).toEqual({ type: 'CopyOutResponse', format: 1, columnFormats: [1, 0] });
    expect(wire.decodeBackend(typedFrame('W', Buffer.from([1]), i16(1), i16(1)))).toEqual({ type: 'CopyBothResponse', format: 1, columnFormats: [1] });
    const data = Buffer.from('1\tada\n');
    expect(backend(wire.copyData(data))).toEqual({ type: 'CopyData', data });
    expect(frontend(wire.copyData(data))).toEqual({ type: 'CopyData', data });
    expect(wire.decodeBackend(typedFrame('V', i32(2), Buffer.from('ok')))).toEqual({ type: 'FunctionCallResponse', value: Buffer.from('ok') });
    expect(wire.decodeBackend(typedFrame('V', i32(-1)))).toEqual({ type: 'FunctionCallResponse', value: null });
  });

  it('sslResponse is the single byte S or N', () => {
    expect(wire.sslResponse(true)).toEqual(Buffer.from('S'));
    expect(wire.sslResponse(false)).toEqual(Buffer.from('N'));
  });
});

describe('frontend messages round trip', () => {
  it('startup-phase requests, parameters in order', () => {
    const parameters = new Map([
      ['user', 'ada'],
      ['database', 'app'],
      ['application_name', ''],
      ['options', '-c search_path=ünï'],
    ]);
    expect(startup(wire.startupMessage(parameters))).toEqual({ kind: 'startup', major: 3, minor: 0, parameters });
    const fromRecord = startup(wire.startupMessage({ user: 'ada', database: 'app' }, 2));
    expect(fromRecord).toEqual({ kind: 'startup', major: 3, minor: 2, parameters: new Map([['user', 'ada'], ['database', 'app']]) });
    if (fromRecord.kind === 'startup') expect([...fromRecord.parameters.keys()]).toEqual(['user', 'database']);
    expect(startup(wire.sslRequest())).toEqual({ kind: 'ssl' });
    expect(startup(wire.gssencRequest())).toEqual({ kind: 'gssenc' });
    const secretKey = Buffer.from([1, 2, 3, 4]);
    expect(startup(wire.cancelRequest(1234, secretKey))).toEqual({ kind: 'cancel', processId: 1234, secretKey });
    expect(startup(wire.cancelRequest(1, Buffer.alloc(256, 3)))).toMatchObject({ kind: 'cancel', secretKey: Buffer.alloc(256, 3) });
  });

  it('writes the bytes the protocol documents', () => {
    expect(wire.sslRequest().toString('hex')).toBe('0000000804d2162f');
    expect(wire.gssencRequest().toString('hex')).toBe('0000000804d21630');
    expect(wire.startupMessage({ user: 'a' }).toString('hex')).toBe('00000010' + '00030000' + '7573657200' + '6100' + '00');
    expect(wire.query('select 1').toString('hex')).toBe('510000000d' + Buffer.from('select 1\0').toString('hex'));
    expect(wire.sync().toString('hex')).toBe('5300000004');
    expect(wire.terminate().toString('hex')).toBe('5800000004');
    expect(wire.authenticationOk().toString('hex')).toBe('520000000800000000');
    expect(wire.readyForQuery('I').toString('hex')).toBe('5a0000000549');
  });

  it('authentication answers', () => {
    const password = frontend(wire.passwordMessage('sécret'));
    if (password.type !== 'Password') throw new Error(password.type);
    expect(wire.decodePassword(password.data)).toBe('sécret');
    const initial = frontend(wire.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')));
    if (initial.type !== 'Password') throw new Error(initial.type);
    expect(wire.decodeSaslInitialResponse(initial.data)).toEqual({ mechanism: 'SCRAM-SHA-256', response: Buffer.from('n,,n=,r=abc') });
    expect(wire.decodeSaslInitialResponse(Buffer.concat([cstr('X'), i32(-1)]))).toEqual({ mechanism: 'X', response: null });
    expect(frontend(wire.saslResponse(Buffer.from('c=biws')))).toEqual({ type: 'Password', data: Buffer.from('c=biws') });
  });

  it('simple and extended query', () => {
    expect(frontend(wire.query('select $1; -- ü'))).toEqual({ type: 'Query', sql: 'select $1; -- ü' });
    expect(frontend(wire.parse('s1', 'select $1, $2', [23, 0]))).toEqual({ type: 'Parse', name: 's1', sql: 'select $1, $2', parameterTypes: [23, 0] });
    expect(frontend(wire.parse('', 'select 1'))).toEqual({ type: 'Parse', name: '', sql: 'select 1', parameterTypes: [] });
    const parameters = [Buffer.from('42'), null, Buffer.alloc(0)];
    expect(frontend(wire.bind('p', 's1', [1], parameters, [0, 1]))).toEqual({
      type: 'Bind',
      portal: 'p',
      statement: 's1',
      parameterFormats: [1],
      parameters,
      resultFormats: [0, 1],
    });
    expect(frontend(wire.bind('', '', [0, 1, 0], parameters, []))).toMatchObject({ parameterFormats: [0, 1, 0], resultFormats: [] });
    expect(frontend(wire.describe('S', 's1'))).toEqual({ type: 'Describe', target: 'S', name: 's1' });
    expect(frontend(wire.describe('P', ''))).toEqual({ type: 'Describe', target: 'P', name: '' });
    expect(frontend(wire.execute('p', 100))).toEqual({ type: 'Execute', portal: 'p', maxRows: 100 });
    expect(frontend(wire.execute(''))).toEqual({ type: 'Execute', portal: '', maxRows: 0 });
    expect(frontend(wire.close('P', 'p'))).toEqual({ type: 'Close', target: 'P', name: 'p' });
    expect(frontend(wire.sync())).toEqual({ type: 'Sync' });
    expect(frontend(wire.flush())).toEqual({ type: 'Flush' });
    expect(frontend(wire.terminate())).toEqual({ type: 'Terminate' });
  });

  it('copy from the client and function calls', () => {
    expect(frontend(wire.copyDone())).toEqual({ type: 'CopyDone' });
    expect(frontend(wire.copyFail('aborted by user'))).toEqual({ type: 'CopyFail', message: 'aborted by user' });
    const call = typedFrame('F', u32(1598), i16(1), i16(0), i16(2), i32(1), Buffer.from('x'), i32(-1), i16(1));
    expect(wire.decodeFrontend(call)).toEqual({
      type: 'FunctionCall',
      functionOid: 1598,
      argumentFormats: [0],
      arguments: [Buffer.from('x'), null],
      resultFormat: 1,
    });
  });
});

describe('encoders refuse what they cannot write faithfully', () => {
  it('strings with NUL or unpaired surrogates', () => {
    expect(unexpected(() => wire.query('select 1\0; drop table t'))).toMatch(/Query: query string contains NUL/);
    expect(unexpected(() => wire.parameterStatus('a', 'b\0'))).toMatch(/value contains NUL/);
    expect(unexpected(() => wire.startupMessage({ 'us\0er': 'x' }))).toMatch(/NUL/);
    expect(unexpected(() => wire.query('select \ud800'))).toMatch(/unpaired surrogate/);
    expect(wire.query('select \ud83d\ude00')).toBeInstanceOf(Buffer);
    expect(unexpected(() => wire.startupMessage({ '': 'x' }))).toMatch(/empty name/);
  });

  it('numbers out of range, bad formats, bad enums', () => {
    expect(unexpected(() => wire.backendKeyData(2 ** 31, Buffer.alloc(4)))).toMatch(/process id/);
    expect(unexpected(() => wire.execute('', -1))).toMatch(/row limit/);
    expect(unexpected(() => wire.execute('', 1.5))).toMatch(/row limit/);
    expect(unexpected(() => wire.parse('', 'x', [2 ** 32]))).toMatch(/parameter type 0/);
    expect(unexpected(() => wire.bind('', '', [2 as 0], [], []))).toMatch(/parameter format 0/);
    expect(unexpected(() => wire.bind('', '', [0, 1], [null], []))).toMatch(/2 parameter formats for 1 parameters/);
    expect(unexpected(() => wire.rowDescription([{ name: 'x', typeOid: 23, format: 3 as 0 }]))).toMatch(/format/);
    expect(unexpected(() => wire.copyOutResponse(0, [1]))).toMatch(/textual copy/);
    expect(unexpected(() => wire.describe('X' as 'S', ''))).toMatch(/target/);
    expect(unexpected(() => wire.readyForQuery('x' as 'I'))).toMatch(/status/);
    expect(unexpected(() => wire.startupMessage({}, 70_000))).toMatch(/minor/);
    expect(unexpected(() => wire.negotiateProtocolVersion(-1, []))).toMatch(/negative/);
  });

  it('counts over 65535 and wrong-sized keys and salts', () => {
    expect(unexpected(() => wire.dataRow(new Array(65_536).fill(null)))).toMatch(/65536 columns/);
    expect(wire.dataRow(new Array(65_535).fill(null))).toBeInstanceOf(Buffer);
    expect(unexpected(() => wire.backendKeyData(1, Buffer.alloc(3)))).toMatch(/secret key/);
    expect(unexpected(() => wire.cancelRequest(1, Buffer.alloc(257)))).toMatch(/secret key/);
    expect(unexpected(() => wire.authenticationMd5Password(Buffer.alloc(5)))).toMatch(/salt/);
    expect(unexpected(() => wire.authenticationSasl([]))).toMatch(/mechanism/);
  });

  it('errors need a known severity and a SQLSTATE', () => {
    expect(unexpected(() => wire.errorResponse({ severity: 'WARNING' as 'ERROR', code: '42501', message: 'm' }))).toMatch(/severity/);
    expect(unexpected(() => wire.noticeResponse({ severity: 'ERROR' as 'NOTICE', code: '01000', message: 'm' }))).toMatch(/severity/);
    expect(unexpected(() => wire.errorResponse({ severity: 'ERROR', code: '4250', message: 'm' }))).toMatch(/SQLSTATE/);
    expect(unexpected(() => wire.errorResponse({ severity: 'ERROR', code: '42501', message: 'a\0b' }))).toMatch(/message contains NUL/);
  });
});
