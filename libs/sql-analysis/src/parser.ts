import type { SqlFailure } from './analysis.js';
import { isRec, list } from './ast.js';

type LibPgQuery = typeof import('libpg-query');

/** One statement as the parser delimits it: byte offsets into the UTF-8 text. */
export interface RawStatement {
  readonly stmt: unknown;
  readonly byteStart: number;
  /** undefined: to the end of the text (the parser leaves the length out for the last statement) */
  readonly byteLength: number | undefined;
}

export type ParseOutcome = { readonly ok: true; readonly statements: readonly RawStatement[] } | SqlFailure;

/** The narrow part of the parser the analyzer uses; tests substitute it to reach failure paths. */
export interface Parser {
  parse(text: string): ParseOutcome;
  fingerprint(text: string): string | undefined;
}

/**
 * libpg-query's WASM build of the PostgreSQL parser (PostgreSQL 18 in libpg-query 18.x).
 * libpg-query instantiates one WASM module per process when it is imported; `load` waits for it.
 *
 * Only a parse error (SqlError with details) is an ordinary outcome. Anything else thrown out of the
 * WASM — the JavaScript stack exhausted inside it, a trap, a failed allocation — leaves the module in
 * an unknown state (Emscripten does not restore its stack pointer when an exception unwinds WASM
 * frames), so from then on this parser refuses everything: failing closed beats trusting a damaged
 * parser. A new PgParser shares the same damaged module; only a new process repairs it.
 */
export class PgParser implements Parser {
  /** Imported here, not at the top: libpg-query starts compiling its WASM as soon as it is imported. */
  static async load(): Promise<PgParser> {
    const lib = await import('libpg-query');
    await lib.loadModule();
    return new PgParser(lib);
  }

  private damage: string | undefined;

  private constructor(private readonly lib: LibPgQuery) {}

  parse(text: string): ParseOutcome {
    if (this.damage !== undefined) return this.refusal();
    let tree: unknown;
    try {
      tree = this.lib.parseSync(text);
    } catch (error) {
      if (this.lib.hasSqlDetails(error) && error.sqlDetails !== undefined) {
        const { message, cursorPosition } = error.sqlDetails;
        return { ok: false, code: 'SQL_SYNTAX', message, position: utf16Index(text, cursorPosition) };
      }
      // JSON.parse of the parser's output failing is ours to report, the module is fine.
      if (error instanceof SyntaxError) {
        return { ok: false, code: 'SQL_UNSUPPORTED', message: 'the parser produced a tree that is not valid JSON' };
      }
      this.damage = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return this.refusal();
    }
    if (!isRec(tree) || !Array.isArray(tree['stmts'])) {
      return { ok: false, code: 'SQL_UNSUPPORTED', message: 'the parser returned no statement list' };
    }
    return { ok: true, statements: list(tree['stmts']).map(rawStatement) };
  }

  /** libpg-query's fingerprint; undefined when it cannot give one (never a reason to fail an analysis). */
  fingerprint(text: string): string | undefined {
    if (this.damage !== undefined) return undefined;
    try {
      return this.lib.fingerprintSync(text);
    } catch (error) {
      if (!(error instanceof Error) || error.constructor !== Error) {
        this.damage = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      return undefined;
    }
  }

  private refusal(): SqlFailure {
    return {
      ok: false,
      code: 'SQL_UNSUPPORTED',
      message: `the PostgreSQL parser failed unexpectedly (${this.damage}) and is not trusted any more; restart the process`,
    };
  }
}

function rawStatement(raw: unknown): RawStatement {
  const fields = isRec(raw) ? raw : {};
  const start = fields['stmt_location'];
  const length = fields['stmt_len'];
  return {
    stmt: fields['stmt'],
    byteStart: typeof start === 'number' ? start : 0,
    byteLength: typeof length === 'number' && length > 0 ? length : undefined,
  };
}

/** The parser counts characters (code points); JavaScript indexes UTF-16 code units. */
function utf16Index(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen++) {
    index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return index;
}
