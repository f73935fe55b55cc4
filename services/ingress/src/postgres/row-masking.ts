/**
 * Masks PostgreSQL result rows (DataRow values) with a masking profile, in-process, before they
 * reach the client. A plan is compiled once per RowDescription; a clean value costs no allocation
 * and a row with nothing masked comes back as the same array. It fails closed: a value it cannot
 * read is NULL, never passed through.
 *
 * | column                                                        | text format (0)                         | binary format (1)                        |
 * | ------------------------------------------------------------- | --------------------------------------- | ---------------------------------------- |
 * | source matches a column rule, name / source column is a field rule, or `derived`: string type | `[REDACTED]` | `[REDACTED]`                |
 * | … json, jsonb                                                 | `"[REDACTED]"`                          | json: `"[REDACTED]"`; jsonb: 0x01 + it   |
 * | … any other type                                              | NULL                                    | NULL                                     |
 * | text, varchar, bpchar, name, unknown, category 'S', xml       | detectors on the text, matches replaced | the same (binary is the UTF-8 text)      |
 * | json, jsonb                                                   | maskJson: field rules inside, detectors on string values, still valid JSON | the same (jsonb: 0x01 + text) |
 * | int8, numeric, float8, money                                  | detectors on the decimal digits; a match → NULL | decoded (int8, numeric's base 10000, float8, money's int64), then the same |
 * | bool, int2, int4, oid, float4, date, time(tz), timestamp(tz), interval, uuid, bytea | untouched     | untouched                                |
 * | anything else (arrays, composites, ranges, inet, other types) | detectors on the text; a match → NULL   | NULL when the profile has any detector   |
 * | text that is not valid UTF-8; binary that does not decode     | NULL                                    | NULL                                     |
 *
 * NULL stays NULL. Findings count matches by detector id, `column` for whole-column redactions,
 * `field` for field rules inside JSON, and `unscannable` for values made NULL because they could
 * not be read. A masked JSON value is re-serialised compactly; a clean one is passed as it came.
 * Money's scale depends on lc_monetary, so its digits are tried with 0 to 3 fraction digits.
 */
import { isUtf8 } from 'node:buffer';
import { REDACTED, valueMasker, type ColumnSource, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import { ByteScratch } from './byte-scratch.js';
import { hasExponent, writeBinaryInt64, writeBinaryNumeric, writeDigitsOf, writeDouble } from './pg-numbers.js';
import { typeClass, type TypeClass } from './pg-types.js';
import { ResultMaskingError } from './result-masking-error.js';

export interface ResultColumn {
  /** RowDescription field name (may be an alias). */
  readonly name: string;
  /** RowDescription type oid. */
  readonly typeOid: number;
  /** Text / binary. */
  readonly format: 0 | 1;
  /** Where PostgreSQL says the column comes from (RowDescription table oid ≠ 0), names resolved from the catalog by the proxy. */
  readonly source?: ColumnSource;
  /**
   * Computed (no table column behind it) by a statement that reads a column a rule redacts: it is
   * redacted like that column (see derived-columns.ts).
   */
  readonly derived?: boolean;
  /** For non-built-in type oids: pg_type.typcategory of the type (domains resolved to their base type by the proxy), e.g. 'S' for string types like citext; undefined when unknown. */
  readonly category?: string;
}

export interface RowMasker {
  /** False when no column can ever need masking (the proxy then passes rows through untouched). */
  readonly active: boolean;
  /**
   * The masked values, or the same array object when nothing changed. Counts findings by detector
   * id and 'column' for column/field rules. Replacement buffers may be shared between rows: never
   * modify them. Throws ResultMaskingError ROW_SHAPE when the row does not fit the columns.
   */
  mask(values: readonly (Buffer | null)[], findings: Record<string, number>): readonly (Buffer | null)[];
}

type Findings = Record<string, number>;

/** One column's treatment of a non-NULL value: the value itself when unchanged. */
type ColumnPlan = (value: Buffer, findings: Findings) => Buffer | null;

export const COLUMN_FINDING = 'column';
export const UNSCANNABLE_FINDING = 'unscannable';

const MARKER = Buffer.from(REDACTED, 'utf8');
const JSON_MARKER = Buffer.from(JSON.stringify(REDACTED), 'utf8');
const JSONB_VERSION = 1;
const JSONB_MARKER = Buffer.concat([Buffer.of(JSONB_VERSION), JSON_MARKER]);
/** Money's fraction digits (lc_monetary's frac_digits) are not in the data: try the usual ones. */
const MONEY_SCALES = [0, 1, 2, 3];

/** Throws MaskingError (UNKNOWN_DETECTOR, INVALID_COLUMN_PATTERN) for a profile it cannot apply. */
export function rowMasker(columns: readonly ResultColumn[], profile: MaskingProfile, compiled?: ValueMasker): RowMasker {
  const masker = compiled ?? valueMasker(profile);
  const planner = new Planner(masker, new ByteScratch());
  const plans = columns.map((column) => planner.plan(column));
  return {
    active: plans.some((plan) => plan !== undefined),
    mask(values, findings) {
      if (values.length !== plans.length) {
        throw new ResultMaskingError('ROW_SHAPE', `a row has ${values.length} values for ${plans.length} columns`);
      }
      let out: (Buffer | null)[] | undefined;
      for (let i = 0; i < plans.length; i++) {
        const plan = plans[i];
        const value = values[i];
        if (plan === undefined || value === null || value === undefined) continue;
        const masked = plan(value, findings);
        if (masked !== value) (out ??= values.slice())[i] = masked;
      }
      return out ?? values;
    },
  };
}

class Planner {
  constructor(
    private readonly masker: ValueMasker,
    /** Shared by every column: plans run one at a time, synchronously. */
    private readonly scratch: ByteScratch,
  ) {}

  /** undefined: the column passes untouched. */
  plan(column: ResultColumn): ColumnPlan | undefined {
    const kind = typeClass(column.typeOid, column.category);
    if (column.derived || this.masker.redactsColumn(column.name, column.source)) return redaction(kind, column.format);
    const { detects, hasFields } = this.masker;
    switch (kind) {
      case 'inert':
        return undefined;
      case 'string':
      case 'xml':
        return detects ? this.text() : undefined;
      case 'json':
        return detects || hasFields ? this.json(false) : undefined;
      case 'jsonb':
        return detects || hasFields ? this.json(column.format === 1) : undefined;
      case 'int8':
      case 'numeric':
      case 'float8':
      case 'money':
        return detects ? this.number(kind, column.format) : undefined;
      case 'other':
        return detects ? (column.format === 0 ? this.otherText() : unscannable) : undefined;
    }
  }

  private text(): ColumnPlan {
    const { masker } = this;
    return (value, findings) => {
      if (!isUtf8(value)) return unscannable(value, findings);
      if (!masker.mayMatch(value, 0, value.length)) return value;
      const text = value.toString('utf8');
      const masked = masker.maskText(text, findings);
      return masked === text ? value : Buffer.from(masked, 'utf8');
    };
  }

  /** jsonb's binary form is a version byte (1) and the text. */
  private json(versioned: boolean): ColumnPlan {
    const { masker } = this;
    const start = versioned ? 1 : 0;
    return (value, findings) => {
      // The version byte is ASCII, so checking the whole value checks the text.
      if ((versioned && value[0] !== JSONB_VERSION) || !isUtf8(value)) return unscannable(value, findings);
      if (!masker.jsonMayNeedMasking(value, start, value.length)) return value;
      const text = value.toString('utf8', start);
      let masked: string;
      try {
        masked = masker.maskJson(text, findings);
      } catch {
        // Not JSON after all, or nested beyond what JSON.stringify can write back.
        return unscannable(value, findings);
      }
      if (masked === text) return value;
      const bytes = Buffer.from(masked, 'utf8');
      return versioned ? Buffer.concat([Buffer.of(JSONB_VERSION), bytes]) : bytes;
    };
  }

  private otherText(): ColumnPlan {
    const { masker } = this;
    return (value, findings) => {
      if (!isUtf8(value)) return unscannable(value, findings);
      if (!masker.mayMatch(value, 0, value.length)) return value;
      const text = value.toString('utf8');
      // A replacement could break the type's syntax (an array's braces, a range's bounds).
      return masker.maskText(text, findings) === text ? value : null;
    };
  }

  /** A number the detectors match is NULL: a masked number is not a number. */
  private number(kind: 'int8' | 'numeric' | 'float8' | 'money', format: 0 | 1): ColumnPlan {
    const { scratch } = this;
    const decode = format === 0 ? TEXT_DECODERS[kind] : BINARY_DECODERS[kind];
    const matches = kind === 'money' ? (findings: Findings) => this.moneyMatches(findings) : (findings: Findings) => this.scratchMatches(findings);
    return (value, findings) => {
      scratch.reset();
      if (!decode(scratch, value)) return unscannable(value, findings);
      return matches(findings) ? null : value;
    };
  }

  private scratchMatches(findings: Findings): boolean {
    const { masker, scratch } = this;
    if (!masker.mayMatch(scratch.bytes, 0, scratch.length)) return false;
    const text = scratch.text();
    return masker.maskText(text, findings) !== text;
  }

  /** The scratch holds money's digits without a point; a point only splits runs, so the prefilter holds for every scale. */
  private moneyMatches(findings: Findings): boolean {
    const { masker, scratch } = this;
    if (!masker.mayMatch(scratch.bytes, 0, scratch.length)) return false;
    const digits = scratch.text();
    for (const scale of MONEY_SCALES) {
      if (scale >= digits.length) break;
      const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
      if (masker.maskText(text, findings) !== text) return true;
    }
    return false;
  }
}

/** Writes the value's decimal rendering into the scratch; false when it cannot be read. */
type Decoder = (out: ByteScratch, value: Buffer) => boolean;

const copyText: Decoder = (out, value) => {
  for (let i = 0; i < value.length; i++) out.push(value[i]!);
  return true;
};

const TEXT_DECODERS: Readonly<Record<'int8' | 'numeric' | 'float8' | 'money', Decoder>> = {
  int8: copyText,
  numeric: copyText,
  // 4.111111111111111e+15 is written out: the exponent form hides the digits.
  float8: (out, value) => {
    if (!hasExponent(value)) return copyText(out, value);
    const number = Number(value.toString('latin1'));
    if (Number.isNaN(number)) return false;
    writeDouble(out, number);
    return true;
  },
  // $4,111,111,111,111,111.00: separators and symbols depend on lc_monetary; the digits do not.
  money: (out, value) => {
    writeDigitsOf(out, value);
    return true;
  },
};

const BINARY_DECODERS: Readonly<Record<'int8' | 'numeric' | 'float8' | 'money', Decoder>> = {
  int8: (out, value) => writeBinaryInt64(out, value),
  numeric: writeBinaryNumeric,
  float8: (out, value) => {
    if (value.length !== 8) return false;
    writeDouble(out, value.readDoubleBE(0));
    return true;
  },
  money: (out, value) => writeBinaryInt64(out, value, false),
};

function redaction(kind: TypeClass, format: 0 | 1): ColumnPlan {
  const replacement = kind === 'string' ? MARKER : kind === 'json' ? JSON_MARKER : kind === 'jsonb' ? (format === 1 ? JSONB_MARKER : JSON_MARKER) : null;
  return (_value, findings) => {
    count(findings, COLUMN_FINDING);
    return replacement;
  };
}

function unscannable(_value: Buffer, findings: Findings): null {
  count(findings, UNSCANNABLE_FINDING);
  return null;
}

function count(findings: Findings, kind: string): void {
  findings[kind] = (findings[kind] ?? 0) + 1;
}
