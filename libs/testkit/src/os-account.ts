import { readFileSync } from 'node:fs';

/** Numeric ids of a local account, for `spawn`'s uid/gid options. */
export interface OsAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The account to run a server as that refuses to run as root (initdb, postgres, pgbouncer): `name`
 * when this process is root, else undefined (run as ourselves). Throws when root and `name` has no
 * entry in /etc/passwd, naming the account.
 */
export function dropRootTo(name: string): OsAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
  if (!entry) throw new Error(`running as root, and there is no local account "${name}" to run the server as (/etc/passwd)`);
  return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
}
