import { address, logLevel, oneOf, readEnv, string, type Address } from '@portcullis/service-kit';
import { VARIANTS, type Variant } from './variant.js';

/** What `main.ts` (the HTTP demo server) reads from the environment. */
export interface DemoMcpConfig {
  readonly address: Address;
  readonly token: string;
  readonly variant: Variant;
  readonly logLevel: string;
}

/** What `stdio.ts` (the notes server) reads from the environment. */
export interface NotesConfig {
  /** Plays the credential a gateway hands the command it starts; the server only requires it. */
  readonly notesKey: string;
  readonly logLevel: string;
}

/** Throws an `EnvError` (code `ENV_INVALID`) listing every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv): DemoMcpConfig {
  const vars = readEnv(env, {
    DEMO_MCP_ADDR: address('127.0.0.1:7700'),
    DEMO_MCP_TOKEN: string(),
    DEMO_MCP_VARIANT: oneOf(VARIANTS, 'original'),
    LOG_LEVEL: logLevel(),
  });
  return Object.freeze({ address: vars.DEMO_MCP_ADDR, token: vars.DEMO_MCP_TOKEN, variant: vars.DEMO_MCP_VARIANT, logLevel: vars.LOG_LEVEL });
}

/** Throws an `EnvError` (code `ENV_INVALID`) when NOTES_KEY is missing or empty. */
export function loadNotesConfig(env: NodeJS.ProcessEnv): NotesConfig {
  const vars = readEnv(env, { NOTES_KEY: string(), LOG_LEVEL: logLevel() });
  return Object.freeze({ notesKey: vars.NOTES_KEY, logLevel: vars.LOG_LEVEL });
}
