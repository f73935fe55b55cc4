import type { TableRef } from './analysis.js';

/**
 * Name resolution the parser leaves to us: which unqualified relation names are CTEs, and which
 * column qualifiers are aliases. Immutable frames, innermost first, so a WITH or a FROM only ever
 * affects the query it belongs to and the queries nested in it — never a sibling or an outer one.
 */
export class Scope {
  static empty(): Scope {
    return new Scope(undefined, new Set(), new Map());
  }

  private constructor(
    private readonly parent: Scope | undefined,
    private readonly ctes: ReadonlySet<string>,
    /** alias → the table it stands for, or undefined when it names a CTE, a subquery or a function */
    private readonly aliases: ReadonlyMap<string, TableRef | undefined>,
  ) {}

  withCtes(names: readonly string[]): Scope {
    return names.length === 0 ? this : new Scope(this, new Set(names), new Map());
  }

  withAliases(aliases: ReadonlyMap<string, TableRef | undefined>): Scope {
    return aliases.size === 0 ? this : new Scope(this, new Set(), aliases);
  }

  /** An unqualified name defined by an enclosing WITH is the CTE, whatever tables exist. */
  isCte(name: string): boolean {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope.ctes.has(name)) return true;
    }
    return false;
  }

  /** The nearest alias of that name: `found` false when no FROM in scope defines it. */
  resolveAlias(qualifier: string): { readonly found: boolean; readonly table?: TableRef } {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope.aliases.has(qualifier)) {
        const table = scope.aliases.get(qualifier);
        return table === undefined ? { found: true } : { found: true, table };
      }
    }
    return { found: false };
  }
}
