/** Parses "500ms", "30s", "5m", "1h", "1d" (or a bare number of seconds) into milliseconds. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(input.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] as 'ms' | 's' | 'm' | 'h' | 'd';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit];
  return value * factor;
}
