import { formatProblem } from '@portcullis/policy-language';
import type { Logger } from '@portcullis/service-kit';
import type { ActivePolicy } from './domain/index.js';
import type { PolicyStore } from './policy-store.service.js';

/**
 * Keeps this instance's policy at the stored head: `check()` reads the head version (one cheap
 * query) and, when it differs from the version in force, loads and compiles the stored documents
 * and swaps them in. It runs when a PolicyChanged names a newer version, and on a timer as the
 * backstop for a missed event. Checks never overlap; one asked for during a check runs after it.
 *
 * A stored version that does not compile (this code is newer than the code that stored it) leaves
 * the policy in force as it is: logged as an error once per version, not once per tick.
 */
export class PolicyReloader {
  private running: Promise<void> | undefined;
  private again = false;
  private failedVersion: number | undefined;

  constructor(
    private readonly store: PolicyStore,
    private readonly active: ActivePolicy,
    private readonly logger: Logger,
  ) {}

  /** A PolicyChanged named `version`: reload unless that version (or a newer one) is in force. */
  heard(version: number): void {
    const current = this.active.version;
    if (current !== undefined && version <= current) return;
    void this.check().catch((err: unknown) => this.logger.warn({ err, policyVersion: String(version) }, 'policy reload failed; the poll retries'));
  }

  /** Resolves once no check is running (for a clean stop). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const head = await this.store.head();
    const current = this.active.version;
    if (head.version === current || head.version === this.failedVersion) return;
    const result = await this.store.load();
    if (!result.ok) {
      this.failedVersion = result.version;
      for (const problem of result.problems) this.logger.error({ policyVersion: String(result.version), problem: formatProblem(problem) }, 'stored policy does not compile');
      this.logger.error({ policyVersion: String(result.version), inForce: current === undefined ? undefined : String(current), problems: result.problems.length }, 'stored policy NOT loaded: deciding with the policy in force');
      return;
    }
    const { loaded } = result;
    if (current !== undefined && loaded.version < current) {
      // Only a database put back to an earlier state (a restore) goes backwards: follow it.
      this.active.replace(loaded);
      this.logger.warn({ policyVersion: String(loaded.version), previousVersion: String(current) }, 'stored policy version went back; following it');
    } else if (!this.active.offer(loaded)) {
      return;
    } else {
      this.logger.info({ policyVersion: String(loaded.version), previousVersion: current === undefined ? undefined : String(current), rules: loaded.compiled.ruleCount }, 'policy reloaded');
    }
    this.failedVersion = undefined;
  }
}
