import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  readonly payload: AdapterPayload;
  /** Epoch milliseconds; undefined = no expiry. */
  readonly expiresAt: number | undefined;
}

/**
 * A small per-instance in-memory storage adapter for oidc-provider.
 *
 * oidc-provider's built-in MemoryAdapter would work too, but it is process-global
 * (two IdPs in one test process would share state) and it logs a "development-only"
 * warning on every start. JWT-format access tokens are not stored at all, so for
 * client_credentials this adapter holds little or nothing; it exists because the
 * provider requires one for its other models.
 */
export function createMemoryAdapterFactory(): AdapterFactory {
  const store = new Map<string, Entry>();
  let writesSinceSweep = 0;

  const now = (): number => Date.now();

  const read = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  const write = (key: string, payload: AdapterPayload, expiresIn: number | undefined): void => {
    const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : undefined;
    store.set(key, { payload, expiresAt });
    writesSinceSweep += 1;
    if (writesSinceSweep >= 1000) {
      writesSinceSweep = 0;
      const t = now();
      for (const [k, e] of store) {
        if (e.expiresAt !== undefined && e.expiresAt <= t) store.delete(k);
      }
    }
  };

  return (model: string): Adapter => {
    const key = (id: string): string => `${model}:${id}`;
    const uidKey = (uid: string): string => `${model}:uid:${uid}`;
    const userCodeKey = (code: string): string => `${model}:userCode:${code}`;
    const grantKey = (grantId: string): string => `grant:${grantId}`;

    return {
      async upsert(id, payload, expiresIn) {
        write(key(id), payload, expiresIn);
        if (typeof payload.uid === 'string') {
          write(uidKey(payload.uid), { id }, expiresIn);
        }
        if (typeof payload.userCode === 'string') {
          write(userCodeKey(payload.userCode), { id }, expiresIn);
        }
        if (typeof payload.grantId === 'string') {
          const members = (read(grantKey(payload.grantId))?.members as string[] | undefined) ?? [];
          write(grantKey(payload.grantId), { members: [...members, key(id)] }, undefined);
        }
      },
      async find(id) {
        return read(key(id));
      },
      async findByUid(uid) {
        const ref = read(uidKey(uid));
        return typeof ref?.id === 'string' ? read(key(ref.id)) : undefined;
      },
      async findByUserCode(userCode) {
        const ref = read(userCodeKey(userCode));
        return typeof ref?.id === 'string' ? read(key(ref.id)) : undefined;
      },
      async consume(id) {
        const payload = read(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        const members = (read(grantKey(grantId))?.members as string[] | undefined) ?? [];
        for (const member of members) store.delete(member);
        store.delete(grantKey(grantId));
      },
    };
  };
}
