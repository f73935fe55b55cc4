import type { CompiledPolicy } from '@portcullis/policy-language';

/** A compiled policy with the stored version it was compiled from. Immutable. */
export interface LoadedPolicy {
  /** The revision number; decisions carry it in decimal as their policy version. */
  readonly version: number;
  /** setDigest() of the documents it was compiled from. */
  readonly digest: string;
  readonly compiled: CompiledPolicy;
}

/**
 * The policy this instance decides with. Swapping it is one reference assignment: a decision in
 * flight keeps the policy it started with, the next one sees the new policy, and nothing ever sees
 * a mix of the two.
 */
export class ActivePolicy {
  private loaded: LoadedPolicy | undefined;

  /** The policy in force. Throws before the first load: the service does not serve before that. */
  get current(): LoadedPolicy {
    if (!this.loaded) throw new Error('no policy loaded yet');
    return this.loaded;
  }

  get version(): number | undefined {
    return this.loaded?.version;
  }

  /**
   * Puts `next` in force if it is newer than the policy in force (or none is); returns whether it
   * did. Newer only, so a slow reload that read an older version never undoes a newer one.
   */
  offer(next: LoadedPolicy): boolean {
    if (this.loaded && next.version <= this.loaded.version) return false;
    this.loaded = next;
    return true;
  }

  /** Puts `next` in force whatever its version: the database went back (a restore). */
  replace(next: LoadedPolicy): void {
    this.loaded = next;
  }
}
