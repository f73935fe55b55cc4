// The PostgreSQL section of `npm run bench`: the same `pgbench -S` against PostgreSQL directly,
// through pgbouncer and through the gateway, in the same run as the HTTP section. A target that
// cannot serve the bench (no pgbouncer, a gateway without its PostgreSQL listener yet) is reported
// as not measured, with the reason, and the rest are measured.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dropProvisionedDatabase, provisionDatabase, type OwnedDatabase } from '@portcullis/stack';
import { postgresUrl, uniqueSuffix } from '@portcullis/testkit';
import { CLIENTS } from '../e2e/harness.js';
import type { GatewayStack } from './gateway.js';
import type { Tools } from './machine.js';
import type { MeasureContext } from './measure.js';
import { measurePgRounds, type PgMeasurement } from './pg-measure.js';
import { PG_TARGET_NAMES, pgPreflight, type PgTarget, type PgTargetName } from './pg-targets.js';
import { initPgbench } from './pgbench.js';
import { startPgbouncer } from './pgbouncer.js';
import type { Cleanup } from './processes.js';

/** pgbench's scale: 1,000,000 rows in pgbench_accounts. */
export const PGBENCH_SCALE = 10;

/** The bench's own pgbench database on the test server, owned by a role of its own. */
export interface PgBenchDatabase extends OwnedDatabase {
  readonly host: string;
  readonly port: number;
}

export interface PgSection {
  readonly scale: number;
  /** Targets measured, in round 1's order. */
  readonly order: readonly PgTargetName[];
  readonly notMeasured: Partial<Record<PgTargetName, string>>;
  readonly measurements: readonly PgMeasurement[];
}

/** Creates the database and role (dropped at cleanup) and fills it with `pgbench -i`. */
export async function createPgBenchDatabase(cleanup: Cleanup, tools: Tools, say: (line: string) => void): Promise<PgBenchDatabase> {
  if (!tools.pgbench) throw new Error('pgbench is not on PATH (it comes with PostgreSQL; Debian: apt-get install postgresql)');
  const server = await postgresUrl();
  const name = `pc_bench_pg_${uniqueSuffix()}`;
  const owned: OwnedDatabase = { database: name, role: name, password: randomBytes(18).toString('base64url') };
  await provisionDatabase(server, owned);
  cleanup.add('pgbench database', () => dropProvisionedDatabase(server, owned));
  const url = new URL(server);
  const database: PgBenchDatabase = { ...owned, host: url.hostname, port: Number(url.port || 5432) };
  say(`pgbench -i -s ${PGBENCH_SCALE} in database ${name}…`);
  await initPgbench(cleanup, { host: database.host, port: database.port, database: name, user: name, password: owned.password }, PGBENCH_SCALE);
  return database;
}

/**
 * Starts pgbouncer, checks each target with the statements pgbench runs, and measures the ones that
 * pass. `database` is the bench database, or why there is none.
 */
export async function measurePgSection(ctx: MeasureContext, setup: { database: PgBenchDatabase | { unavailable: string }; tools: Tools; gateway: GatewayStack; pgbouncerPort: number }): Promise<PgSection> {
  const notMeasured: Partial<Record<PgTargetName, string>> = {};
  const { database } = setup;
  if ('unavailable' in database) {
    for (const name of PG_TARGET_NAMES) notMeasured[name] = database.unavailable;
    return { scale: PGBENCH_SCALE, order: [], notMeasured, measurements: [] };
  }
  const owner = async () => database.password;
  const candidates: PgTarget[] = [{ name: 'direct', host: database.host, port: database.port, database: database.database, user: database.role, password: owner }];

  if (!setup.tools.pgbouncer) notMeasured.pgbouncer = 'pgbouncer is not on PATH and `apt-get install -y pgbouncer` did not provide it';
  else {
    try {
      const options = { logPath: join(ctx.dir, 'pgbouncer.log'), port: setup.pgbouncerPort, upstreamHost: database.host, upstreamPort: database.port, database: database.database, user: database.role, password: database.password };
      const bouncer = await startPgbouncer(ctx.cleanup, options);
      candidates.push({ name: 'pgbouncer', host: '127.0.0.1', port: bouncer.port, database: database.database, user: database.role, password: owner });
    } catch (err) {
      notMeasured.pgbouncer = `pgbouncer did not start: ${(err as Error).message}`;
    }
  }

  const { gateway } = setup;
  if (gateway.pgConfigProblem) notMeasured.gateway = gateway.pgConfigProblem;
  else candidates.push({ name: 'gateway', host: '127.0.0.1', port: gateway.stack.ports.ingressPg, database: 'demo-pg', user: CLIENTS.agent.id, password: () => gateway.token() });

  const targets: PgTarget[] = [];
  for (const target of candidates) {
    const problem = await pgPreflight(target, PGBENCH_SCALE);
    if (problem) notMeasured[target.name] = `pre-flight failed: ${problem}`;
    else targets.push(target);
  }
  for (const [name, why] of Object.entries(notMeasured)) ctx.say(`postgres ${name}: not measured: ${why}`);
  const measurements = await measurePgRounds(ctx, targets);
  return { scale: PGBENCH_SCALE, order: targets.map((t) => t.name), notMeasured, measurements };
}
