import { describe, expect, it } from 'vitest';
import { checkCancelReason, DEFAULT_PAGE_SIZE, holdListQuery, MAX_PAGE_SIZE, pageTokenFor } from './hold-list.js';

const ID = '0b0e7a4c-1f6b-4d2a-9c1e-5a7d3e2f1b00';
const base = { includeResolved: false, pageSize: 0, pageToken: '', requester: '', connection: '' };

describe('holdListQuery', () => {
  it('defaults the page size and caps it', () => {
    expect(holdListQuery(base)).toEqual({ ok: true, value: { includeResolved: false, pageSize: DEFAULT_PAGE_SIZE } });
    expect(holdListQuery({ ...base, pageSize: 10_000 })).toMatchObject({ ok: true, value: { pageSize: MAX_PAGE_SIZE } });
    expect(holdListQuery({ ...base, pageSize: 7 })).toMatchObject({ ok: true, value: { pageSize: 7 } });
  });

  it('continues after the hold its own token names', () => {
    const token = pageTokenFor(ID);
    expect(token).not.toContain(ID); // opaque to callers
    expect(holdListQuery({ ...base, pageToken: token })).toMatchObject({ ok: true, value: { after: ID } });
  });

  it('refuses tokens it did not issue', () => {
    for (const pageToken of [ID, 'not a token', Buffer.from(`h2.${ID}`).toString('base64url'), Buffer.from('h1.1; drop table holds').toString('base64url'), 'x'.repeat(300)]) {
      expect(holdListQuery({ ...base, pageToken })).toMatchObject({ ok: false, failure: { code: 'INVALID_PAGE_TOKEN' } });
    }
  });

  it('keeps filters that are given and refuses unusable ones', () => {
    expect(holdListQuery({ ...base, requester: 'agent-a', connection: 'demo-http' })).toMatchObject({ ok: true, value: { requester: 'agent-a', connection: 'demo-http' } });
    expect(holdListQuery({ ...base, requester: 'a\nb' })).toMatchObject({ ok: false, failure: { code: 'INVALID_FILTER' } });
    expect(holdListQuery({ ...base, connection: 'c'.repeat(257) })).toMatchObject({ ok: false, failure: { code: 'INVALID_FILTER' } });
    expect(holdListQuery({ ...base, pageSize: -1 })).toMatchObject({ ok: false, failure: { code: 'INVALID_FILTER' } });
  });
});

describe('checkCancelReason', () => {
  it('needs a short reason', () => {
    expect(checkCancelReason('CALLER_GONE: the caller went away')).toBeUndefined();
    expect(checkCancelReason(' ')).toMatchObject({ code: 'REASON_REQUIRED' });
    expect(checkCancelReason('x'.repeat(501))).toMatchObject({ code: 'REASON_TOO_LONG' });
  });
});
