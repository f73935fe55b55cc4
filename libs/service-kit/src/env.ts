import { PortcullisError } from '@portcullis/errors';
import { hostname } from 'node:os';

/**
 * Typed environment parsing that reports every bad variable at once, so an operator fixes a
 * deployment in one pass instead of one crash per variable.
 */
export interface EnvVar<T> {
  readonly default?: string;
  readonly parse: (raw: string) => T;
}

export class EnvError extends PortcullisError<'ENV_INVALID'> {
  constructor(readonly problems: readonly string[]) {
    super('ENV_INVALID', `invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function readEnv<S extends Record<string, EnvVar<unknown>>>(
  env: NodeJS.ProcessEnv,
  spec: S,
): { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never } {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name] === undefined || env[name] === '' ? variable.default : env[name];
    if (raw === undefined) {
      problems.push(`${name} is required`);
      continue;
    }
    try {
      out[name] = variable.parse(raw);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new EnvError(problems);
  return Object.freeze(out) as never;
}

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** `host:port` as gRPC and URLs want it (IPv6 hosts in brackets). */
export function hostPort(a: Address): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** `host:port`; port 0 means "any free port" (tests). */
export function address(fallback?: string): EnvVar<Address> {
  return {
    ...(fallback === undefined ? {} : { default: fallback }),
    parse: (raw) => {
      const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
      const port = Number(match?.[2]);
      if (!match || port > 65535) throw new Error(`"${raw}" is not host:port`);
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
    },
  };
}

export function url(fallback?: string, protocols?: readonly string[]): EnvVar<string> {
  return {
    ...(fallback === undefined ? {} : { default: fallback }),
    parse: (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error('is not a URL');
      }
      if (protocols && !protocols.includes(parsed.protocol)) throw new Error(`must use ${protocols.join(' or ')}`);
      return raw;
    },
  };
}

export function string(fallback?: string, pattern?: RegExp): EnvVar<string> {
  return {
    ...(fallback === undefined ? {} : { default: fallback }),
    parse: (raw) => {
      if (pattern && !pattern.test(raw)) throw new Error(`"${raw}" must match ${pattern}`);
      return raw;
    },
  };
}

export function oneOf<T extends string>(values: readonly T[], fallback?: T): EnvVar<T> {
  return {
    ...(fallback === undefined ? {} : { default: fallback }),
    parse: (raw) => {
      if (!values.includes(raw as T)) throw new Error(`"${raw}" must be one of ${values.join(', ')}`);
      return raw as T;
    },
  };
}

export function integer(fallback: number | undefined, min: number, max: number): EnvVar<number> {
  return {
    ...(fallback === undefined ? {} : { default: String(fallback) }),
    parse: (raw) => {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) throw new Error(`"${raw}" must be an integer in [${min}, ${max}]`);
      return value;
    },
  };
}

/** The variables every service shares, each with its one default (ARCHITECTURE.md "Defaults"). */
export const natsUrl = (): EnvVar<string> => url('nats://127.0.0.1:4222', ['nats:', 'tls:']);
export const databaseUrl = (): EnvVar<string> => url('postgres://postgres@127.0.0.1:5432/portcullis', ['postgres:', 'postgresql:']);
export const configPath = (): EnvVar<string> => string('./portcullis.yaml');

/** PORTCULLIS_EVENTS_MAX_BYTES: the event stream's size limit (1 GiB); the gateway refuses with 503 before it is reached. */
export const eventsMaxBytes = (): EnvVar<number> => integer(1024 ** 3, 64 * 1024, 2 ** 50);

/** Namespace of bus subjects and stream names; lets several stacks (tests) share one NATS server. */
export const namespace = (): EnvVar<string> => string('portcullis', /^[a-z][a-z0-9]{0,31}$/);
export const logLevel = () => oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info');

/** An instance id for logs, event sources and NATS connection names: `<hostname>-<pid>` by default. */
export const instanceId = (): EnvVar<string> => string(`${hostname()}-${process.pid}`, /^[A-Za-z0-9_.-]{1,64}$/);
