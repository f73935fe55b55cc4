/** What a value redacted by a field or column rule becomes, whatever it held. */
export const REDACTED = '[REDACTED]';
