import { describe, expect, it } from 'vitest';
import { aggregateName, aggregateRequestId, aggregateUri, splitAggregateName, splitAggregateRequestId, splitAggregateUri } from './names.js';

describe('/mcp names', () => {
  it('round-trips tool names, including names that contain the separator', () => {
    for (const [connection, name] of [['demo-mcp', 'echo'], ['notes', 'search__notes'], ['a_b', 'c']] as const) {
      expect(splitAggregateName(aggregateName(connection, name))).toEqual({ connection, name });
    }
  });

  it('refuses names that are not namespaced', () => {
    for (const name of ['echo', '__echo', 'demo__', '']) expect(splitAggregateName(name)).toBeUndefined();
  });

  it('round-trips resource URIs of any shape', () => {
    for (const uri of ['customers://all', 'file:///tmp/a b?c=d#e', 'https://x/%41']) {
      expect(splitAggregateUri(aggregateUri('demo-mcp', uri))).toEqual({ connection: 'demo-mcp', uri });
    }
    expect(splitAggregateUri('customers://all')).toBeUndefined();
    expect(splitAggregateUri('portcullis://demo/%E0%A4%A')).toBeUndefined();
  });

  it('round-trips relayed request ids, strings and numbers told apart', () => {
    expect(splitAggregateRequestId(aggregateRequestId('notes', 7))).toEqual({ connection: 'notes', id: 7 });
    expect(splitAggregateRequestId(aggregateRequestId('notes', '7'))).toEqual({ connection: 'notes', id: '7' });
    expect(splitAggregateRequestId(5)).toBeUndefined();
    expect(splitAggregateRequestId('portcullis:notes:!!')).toBeUndefined();
    expect(splitAggregateRequestId(`portcullis:notes:${Buffer.from('{"a":1}').toString('base64url')}`)).toBeUndefined();
  });
});
