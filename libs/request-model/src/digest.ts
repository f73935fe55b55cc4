import { hash } from 'node:crypto';

/** SHA-256 as lowercase hex; strings are hashed as UTF-8. One-shot: about half the cost of a Hash object. */
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}
