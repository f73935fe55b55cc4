import { createHash } from 'node:crypto';
import { unexpected } from './pg-wire-error.js';

/**
 * The answer to AuthenticationMD5Password, for a PasswordMessage: 'md5' followed by
 * hex(md5(hex(md5(password ‖ user)) ‖ salt)). MD5 authentication is weak; prefer SCRAM where the server offers it.
 */
export function md5PasswordMessage(user: string, password: string, salt: Buffer): string {
  if (!Buffer.isBuffer(salt) || salt.length !== 4) unexpected('MD5 password: the salt must be 4 bytes');
  const inner = createHash('md5').update(password, 'utf8').update(user, 'utf8').digest('hex');
  return 'md5' + createHash('md5').update(inner, 'latin1').update(salt).digest('hex');
}
