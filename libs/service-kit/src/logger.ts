import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One structured JSON line per event. The redact list is a second line of defence: code must not
 * put secrets in log fields, but if a header map or token slips in, it is censored here.
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'password', '*.password', 'secret', '*.secret', 'credential', '*.credential'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
