import { describe, expect, it } from 'vitest';
import { CallError, describeCallError, isCallError } from './errors.js';

const fail = (status: string, reason: string | undefined, details = '') =>
  new CallError('approvals', '127.0.0.1:50053', status, reason, details);

describe('describeCallError', () => {
  it('words known reasons for people and names the reason', () => {
    expect(describeCallError(fail('FAILED_PRECONDITION', 'SELF_APPROVAL', 'principal equals requester'), 10_000)).toBe(
      'you cannot approve your own request (SELF_APPROVAL)',
    );
  });

  it('words a repeated approval for people', () => {
    expect(describeCallError(fail('FAILED_PRECONDITION', 'ALREADY_APPROVED', 'demo-approver already approved this hold (1 of 2)'), 10_000)).toBe(
      'you already approved this hold; it needs another approver (ALREADY_APPROVED)',
    );
  });

  it("uses the server's message for other reasons", () => {
    expect(describeCallError(fail('NOT_FOUND', 'HOLD_NOT_FOUND', 'no hold h-9'), 10_000)).toBe('no hold h-9 (HOLD_NOT_FOUND)');
  });

  it('explains transport failures by status when no reason was attached', () => {
    expect(describeCallError(fail('UNAVAILABLE', undefined, 'No connection established'), 10_000)).toBe(
      'approvals service unreachable at 127.0.0.1:50053 (is the stack running? npm start)',
    );
    expect(describeCallError(fail('DEADLINE_EXCEEDED', undefined), 10_000)).toBe(
      'approvals service at 127.0.0.1:50053 did not answer within 10 s',
    );
    expect(describeCallError(fail('INTERNAL', undefined, 'boom'), 10_000)).toBe('approvals service: boom (INTERNAL)');
  });

  it('is recognised by code', () => {
    expect(isCallError(fail('INTERNAL', undefined))).toBe(true);
    expect(isCallError(new Error('x'))).toBe(false);
    expect(isCallError(undefined)).toBe(false);
  });
});
