import { describe, expect, it } from 'vitest';
import { commonV1 } from '@portcullis/proto-gen';
import { mcpTarget, type Target } from './target.js';
import { targetFromProto, targetToProto } from './target.mappers.js';

/** Through the wire bytes, as a RequestContext carries it. */
function roundTrip(target: Target): Target | undefined {
  const context = commonV1.RequestContext.fromPartial({ requestId: 'r', target: targetToProto(target) });
  return targetFromProto(commonV1.RequestContext.decode(commonV1.RequestContext.encode(context).finish()).target);
}

describe('target mappers', () => {
  it.each<Target>([
    { kind: 'http', method: 'GET', path: '/orders', query: '', headers: [] },
    {
      kind: 'http',
      method: 'DELETE',
      path: '/orders',
      query: 'id=1&id=2&note=caf%C3%A9',
      headers: [
        { name: 'accept', value: 'application/json' },
        { name: 'x-tenant', value: 'a' },
        { name: 'x-tenant', value: 'b' },
      ],
    },
    mcpTarget('tools/call', 'refund', { order: 42 }),
    { kind: 'sql', statement: 'select $1, $2', parameters: [{ text: 'x' }, null] },
  ])('carries a $kind target to the wire and back intact', (target) => {
    expect(roundTrip(target)).toEqual(target);
  });

  it('reads an HTTP target written before queries and headers as having neither', () => {
    // Field 1 (method) and 2 (path) only: what an older gateway or a stored event encodes.
    const old = commonV1.HttpTarget.encode({ method: 'GET', path: '/x', query: '', headers: [] }).finish();
    expect(targetFromProto({ $case: 'http', value: commonV1.HttpTarget.decode(old) })).toEqual({ kind: 'http', method: 'GET', path: '/x', query: '', headers: [] });
  });
});
