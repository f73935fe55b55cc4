import { PortcullisError } from '@portcullis/errors';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { portcullisConfigSchema, type PortcullisConfig, type SecretRef } from './schema.js';

/** Every problem found in a config, all at once, each with its location. */
export class ConfigError extends PortcullisError<'CONFIG_INVALID'> {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super('CONFIG_INVALID', `invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses and validates portcullis.yaml text. The result is deeply frozen. */
export function parsePortcullisConfig(text: string, source = 'portcullis.yaml'): PortcullisConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const result = portcullisConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`),
    );
  }
  return deepFreeze(result.data);
}

/** Reads portcullis.yaml from `path`. */
export function loadPortcullisConfig(path: string): PortcullisConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parsePortcullisConfig(text, path);
}

/**
 * Resolves a secret reference. The error names the reference, never the value. Trailing newlines of
 * secret files are dropped (as written by `echo` or Kubernetes secret mounts).
 */
export function resolveSecret(ref: SecretRef | string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new ConfigError('environment', [`secret variable ${ref.env} is not set`]);
    return value;
  }
  let value: string;
  try {
    value = readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(ref.file, [`cannot read secret file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  if (value === '') throw new ConfigError(ref.file, ['secret file is empty']);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
