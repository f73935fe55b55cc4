/**
 * How masking treats a PostgreSQL type, by what its values can hold:
 * - `string`: text (text, varchar, bpchar, name, unknown, and types of category 'S' such as citext);
 * - `json`, `jsonb`, `xml`: text with a syntax;
 * - `number`: numbers wide enough for a card number (int8, numeric, float8, money);
 * - `inert`: types that cannot hold an address or a card number;
 * - `other`: everything else (arrays, composites, ranges, network types, unknown types).
 */
export type TypeClass = 'string' | 'json' | 'jsonb' | 'xml' | 'int8' | 'numeric' | 'float8' | 'money' | 'inert' | 'other';

/** Built-in type oids (pg_type.dat), fixed across PostgreSQL versions. */
export const OID = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  unknown: 705,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

type BuiltinName = keyof typeof OID;

// Total over OID, so a type named above cannot be left without a class.
const CLASS_OF: Readonly<Record<BuiltinName, TypeClass>> = {
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  name: 'string',
  unknown: 'string',
  json: 'json',
  jsonb: 'jsonb',
  xml: 'xml',
  int8: 'int8',
  numeric: 'numeric',
  float8: 'float8',
  money: 'money',
  // int4 and float4 are too narrow for 13 exact digits; bytea is not looked inside (documented).
  bool: 'inert',
  int2: 'inert',
  int4: 'inert',
  oid: 'inert',
  float4: 'inert',
  date: 'inert',
  time: 'inert',
  timetz: 'inert',
  timestamp: 'inert',
  timestamptz: 'inert',
  interval: 'inert',
  uuid: 'inert',
  bytea: 'inert',
};

const BY_OID: ReadonlyMap<number, TypeClass> = new Map(Object.entries(OID).map(([name, oid]) => [oid, CLASS_OF[name as BuiltinName]]));

/** `category` is pg_type.typcategory, known for non-built-in types only ('S' = string). */
export function typeClass(typeOid: number, category: string | undefined): TypeClass {
  return BY_OID.get(typeOid) ?? (category === 'S' ? 'string' : 'other');
}
