import type { SqlAnalysis } from './analysis.js';
import { analyzeText, precheck } from './analyze.js';
import { readCopyStatement, type CopyStatementResult } from './copy-statement.js';
import { LruCache } from './lru-cache.js';
import { PgParser, type Parser } from './parser.js';

export interface SqlAnalyzerOptions {
  /** Results kept, by exact text (default 10,000; 0 turns the cache off). */
  readonly cacheSize?: number;
  /** Texts larger than this many UTF-8 bytes are refused unparsed (default 1 MiB). */
  readonly maxStatementBytes?: number;
}

const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;
/** Total characters of text the cache may hold, whatever the entry count: 10,000 × 1 MiB would not fit. */
const CACHE_TEXT_BUDGET = 32 * 1024 * 1024;

/** Tells what a SQL text does, synchronously, from the real PostgreSQL parser. */
export class SqlAnalyzer {
  /** Loads the parser (WASM) once; every analyze after that is synchronous. */
  static async create(options: SqlAnalyzerOptions = {}): Promise<SqlAnalyzer> {
    return new SqlAnalyzer(await PgParser.load(), options);
  }

  private readonly cache: LruCache<SqlAnalysis>;
  private readonly maxBytes: number;

  private constructor(
    private readonly parser: Parser,
    options: SqlAnalyzerOptions,
  ) {
    this.cache = new LruCache(options.cacheSize ?? DEFAULT_CACHE_SIZE, CACHE_TEXT_BUDGET);
    this.maxBytes = options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES;
  }

  /** Never throws; the same text returns the same (frozen) result object while it is cached. */
  analyze(sql: string): SqlAnalysis {
    const cached = this.cache.get(sql);
    if (cached !== undefined) return cached;
    const result = analyzeText(this.parser, sql, this.maxBytes);
    // SQL_TOO_LARGE is cheap to repeat and not worth the memory; SQL_UNSUPPORTED may come from a
    // parser that failed for reasons other than this text.
    if (result.ok || (result.code !== 'SQL_TOO_LARGE' && result.code !== 'SQL_UNSUPPORTED')) {
      this.cache.set(sql, result, sql.length);
    }
    return result;
  }

  /**
   * A COPY statement's direction, target and data layout (PostgreSQL's defaults filled in), read
   * from the parser, for a proxy that must read the COPY data. The text must be exactly one COPY
   * statement (`analyze` splits a batch). Never throws; not cached (COPY is rare).
   */
  copyStatement(sql: string): CopyStatementResult {
    return precheck(sql, this.maxBytes) ?? readCopyStatement(this.parser, sql);
  }
}
