/**
 * The base of every error Portcullis raises, like jose's `JOSEError`: a stable, typed `code` that
 * callers branch on (`err.code === 'CONFIG_INVALID'`), never `instanceof` or the message text.
 * Messages are for people and never carry a token, a credential or a payload.
 */
export class PortcullisError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code of any error that has one (ours, jose's, Node's system errors), else undefined. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
