import { asNode, isRec, list, str, Unsupported } from './ast.js';

/**
 * The analysis holds only if PostgreSQL reads the text the way libpg-query does: string literals
 * with standard_conforming_strings on, bytes as UTF-8. With the setting off a backslash escapes a
 * quote in '…', and `SELECT '\' , ' ; DROP TABLE t; -- '` — one harmless SELECT to the parser here —
 * is a SELECT and a DROP TABLE to the server (checked against PostgreSQL 15). A client encoding
 * such as SJIS or GBK, where a backslash byte can end a multi-byte character, splits literals
 * differently too. So statements that change either setting, now or for later sessions, are
 * refused (SQL_UNSUPPORTED); only setting them to what we assume is allowed.
 *
 * What this cannot see, and the proxy must: the startup packet's options, server defaults, and
 * settings changed by functions it cannot read (DO, user functions). Both settings are reported by
 * the server in ParameterStatus messages, which is where the proxy can enforce them for sure.
 */
const ASSUMED: Readonly<Record<string, (value: string) => boolean>> = {
  standard_conforming_strings: (value) => ['on', 'true', 'yes', '1'].includes(value),
  client_encoding: (value) => ['utf8', 'utf-8', 'unicode'].includes(value),
};

function isLexingSetting(name: string): boolean {
  return Object.hasOwn(ASSUMED, name);
}

/** SET / RESET, and the SET inside ALTER SYSTEM, ALTER ROLE … SET, ALTER DATABASE … SET. */
export function checkVariableSet(stmt: unknown): void {
  if (!isRec(stmt)) return;
  const name = str(stmt['name'])?.toLowerCase();
  if (name === undefined || !isLexingSetting(name)) return;
  const values = stmt['kind'] === 'VAR_SET_VALUE' ? list(stmt['args']).map(constantText) : [];
  if (values.length !== 1 || values[0] === undefined || !ASSUMED[name]!(values[0])) refuse(name);
}

/** `set_config(name, value, is_local)`: a constant name we can check, a computed one we cannot. */
export function checkSetConfig(args: unknown): void {
  const [name, value] = list(args).map(constantText);
  if (name === undefined) {
    throw new Unsupported('set_config with a computed parameter name could change how PostgreSQL reads SQL text');
  }
  const setting = name.toLowerCase();
  if (isLexingSetting(setting) && (value === undefined || !ASSUMED[setting]!(value.toLowerCase()))) refuse(setting);
}

function refuse(name: string): never {
  throw new Unsupported(`changing ${name} would make PostgreSQL read SQL text differently from this analysis`);
}

/** A constant's text, lower-cased for the setting's values (booleans and integers as PostgreSQL spells them). */
function constantText(value: unknown): string | undefined {
  const constant = asNode(value);
  if (constant === undefined || constant.type !== 'A_Const') return undefined;
  // { sval: { sval: 'x' } }, { ival: { ival: 1 } }, { boolval: { boolval: true } }; zero values omitted
  const field = (name: string): unknown => {
    const inner = constant.body[name];
    return isRec(inner) ? inner[name] : undefined;
  };
  if (constant.body['sval'] !== undefined) return (str(field('sval')) ?? '').toLowerCase();
  if (constant.body['ival'] !== undefined) return String(field('ival') ?? 0);
  if (constant.body['boolval'] !== undefined) return field('boolval') === true ? 'true' : 'false';
  return undefined;
}
