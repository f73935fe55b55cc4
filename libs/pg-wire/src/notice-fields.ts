import { malformed } from './pg-wire-error.js';

/** Severities of an ErrorResponse and of a NoticeResponse, as in the non-localized 'V' field. */
export const ERROR_SEVERITIES = ['ERROR', 'FATAL', 'PANIC'] as const;
export const NOTICE_SEVERITIES = ['WARNING', 'NOTICE', 'DEBUG', 'INFO', 'LOG'] as const;
export type ErrorSeverity = (typeof ERROR_SEVERITIES)[number];
export type NoticeSeverity = (typeof NOTICE_SEVERITIES)[number];

export function isErrorSeverity(severity: string): severity is ErrorSeverity {
  return (ERROR_SEVERITIES as readonly string[]).includes(severity);
}

export function isNoticeSeverity(severity: string): severity is NoticeSeverity {
  return (NOTICE_SEVERITIES as readonly string[]).includes(severity);
}

/** The fields every ErrorResponse and NoticeResponse carries ('V' since PostgreSQL 9.6), with their one-letter codes. */
export const REQUIRED_NOTICE_FIELDS = { localizedSeverity: 'S', severity: 'V', code: 'C', message: 'M' } as const;

/** The optional fields of ErrorResponse and NoticeResponse by name, with their one-letter codes. */
export const OPTIONAL_NOTICE_FIELDS = {
  detail: 'D',
  hint: 'H',
  position: 'P',
  internalPosition: 'p',
  internalQuery: 'q',
  where: 'W',
  schema: 's',
  table: 't',
  column: 'c',
  dataType: 'd',
  constraint: 'n',
  file: 'F',
  line: 'L',
  routine: 'R',
} as const;
export type OptionalNoticeField = keyof typeof OPTIONAL_NOTICE_FIELDS;

/**
 * What we write in an ErrorResponse or NoticeResponse; values are strings, as on the wire.
 * `localizedSeverity` (the 'S' field) defaults to `severity`; set it when relaying a server's message.
 */
export type NoticeInput<S extends string> = {
  readonly severity: S;
  readonly localizedSeverity?: string;
  readonly code: string;
  readonly message: string;
} & {
  readonly [K in OptionalNoticeField]?: string;
};

/** The fields of a received ErrorResponse or NoticeResponse, by name. */
export type NoticeFields = {
  /** The non-localized severity ('V') when sent (PostgreSQL 9.6+), else the localized one. */
  readonly severity: string;
  readonly localizedSeverity: string;
  readonly code: string;
  readonly message: string;
} & { readonly [K in OptionalNoticeField]?: string };

/**
 * Names the fields of a decoded ErrorResponse or NoticeResponse. The protocol promises severity,
 * code and message in every one; a message without them is MALFORMED. Unknown codes are ignored,
 * as the protocol asks.
 */
export function noticeFields(fields: ReadonlyMap<string, string>): NoticeFields {
  const localized = fields.get(REQUIRED_NOTICE_FIELDS.localizedSeverity);
  const severity = fields.get(REQUIRED_NOTICE_FIELDS.severity) ?? localized;
  const code = fields.get(REQUIRED_NOTICE_FIELDS.code);
  const message = fields.get(REQUIRED_NOTICE_FIELDS.message);
  if (severity === undefined) return malformed('error or notice without a severity field');
  if (code === undefined) return malformed('error or notice without a code field');
  if (message === undefined) return malformed('error or notice without a message field');
  const named: Record<string, string> = { severity, localizedSeverity: localized ?? severity, code, message };
  for (const [name, letter] of Object.entries(OPTIONAL_NOTICE_FIELDS)) {
    const value = fields.get(letter);
    if (value !== undefined) named[name] = value;
  }
  return named as NoticeFields;
}
