import type { ColumnRef, FunctionRef, StatementAnalysis, TableRef } from './analysis.js';
import { UnsupportedTree } from './ast.js';
import type { StatementKind } from './statement-kinds.js';

/** Insertion-ordered, deduplicated by a key; order is discovery order, which keeps results stable. */
class OrderedSet<T> {
  private readonly items = new Map<string, T>();

  add(key: string, item: T): void {
    if (!this.items.has(key)) this.items.set(key, item);
  }

  values(): readonly T[] {
    return Object.freeze([...this.items.values()].map((item) => Object.freeze(item)));
  }
}

// PostgreSQL identifiers cannot contain NUL (nor be empty), so NUL separates parts unambiguously.
const key = (...parts: readonly (string | undefined)[]): string => parts.map((part) => part ?? '').join('\0');

/** What the walk finds in one statement. */
export class Collector {
  private readonly kinds = new OrderedSet<StatementKind>();
  private readonly read = new OrderedSet<TableRef>();
  private readonly written = new OrderedSet<TableRef>();
  private readonly columns = new OrderedSet<ColumnRef>();
  private readonly functions = new OrderedSet<FunctionRef>();
  private readonly possible = new OrderedSet<FunctionRef>();
  private unbounded = false;

  kind(kind: StatementKind): void {
    this.kinds.add(kind, kind);
  }

  tableRead(table: TableRef): void {
    this.read.add(key(table.schema, table.name), table);
  }

  tableWritten(table: TableRef): void {
    this.written.add(key(table.schema, table.name), table);
  }

  column(column: ColumnRef): void {
    this.columns.add(key(column.schema, column.table, column.column), column);
  }

  function(fn: FunctionRef): void {
    this.functions.add(key(fn.schema, fn.name), fn);
  }

  /** A name PostgreSQL may read as a function call (attribute notation) or as a column. */
  possibleFunction(fn: FunctionRef): void {
    this.possible.add(key(fn.schema, fn.name), fn);
  }

  unboundedWrite(): void {
    this.unbounded = true;
  }

  finish(text: string): StatementAnalysis {
    const kinds = this.kinds.values();
    // Every statement handler names a kind; none means a hole in this code, and a policy must not
    // be asked to judge a statement that claims to do nothing.
    if (kinds.length === 0) throw new UnsupportedTree('no statement kind was determined');
    return Object.freeze({
      text,
      kinds,
      tablesRead: this.read.values(),
      tablesWritten: this.written.values(),
      columnsRead: this.columns.values(),
      functions: this.functions.values(),
      possibleFunctions: this.possible.values(),
      unboundedWrite: this.unbounded,
    });
  }
}
