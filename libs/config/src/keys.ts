/**
 * A 32-byte key as config holds it: 64 hex digits or base64 (surrounding whitespace ignored).
 * undefined when it is neither, or not 32 bytes: the caller names the setting in its error.
 */
export function decodeKey32(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  return key?.length === 32 ? key : undefined;
}
