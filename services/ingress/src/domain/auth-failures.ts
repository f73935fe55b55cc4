import type { Protocol } from '@portcullis/request-model';
import type { RefusalCode } from './refusal.js';

/** One refusal of a caller nobody verified, as the flow sees it. */
export interface AuthFailure {
  /** The client's address without its port: one source however many connections it opens. */
  readonly source: string;
  readonly code: RefusalCode;
  readonly protocol: Protocol;
}

/** The further refusals of one source, code and protocol in one window. */
export interface AuthFailureSummary<S> {
  readonly key: AuthFailure;
  readonly count: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The last refusal counted (its details are the summary's sample). */
  readonly sample: S;
}

/** Stands for every source once `maxSources` are being counted in a window. */
export const MANY_SOURCES = '*';

interface Window<S> {
  readonly key: AuthFailure;
  readonly start: number;
  count: number;
  sample?: S;
}

/**
 * Aggregates pre-authentication refusals so that a flood is visible but cannot fill the audit log:
 * per source address, code and protocol, the first refusal of a window is recorded as it happens
 * (`note` answers true), further ones in the window are only counted, and when the window ends
 * `drain` hands back one summary of them (count, window, a sample). Memory is bounded: beyond
 * `maxSources` keys in flight, new sources are counted under MANY_SOURCES. A window of 0 records
 * every refusal.
 */
export class AuthFailureAggregator<S> {
  private readonly windows = new Map<string, Window<S>>();
  /** Windows a new refusal found ended before `drain` came round: summarised, waiting. */
  private readonly ended: AuthFailureSummary<S>[] = [];

  constructor(private readonly options: { readonly windowMs: number; readonly maxSources: number; readonly now: () => number }) {}

  /** True when this refusal is to be recorded on its own; false when a window counts it. */
  note(failure: AuthFailure, sample: S): boolean {
    if (this.options.windowMs <= 0) return true;
    const now = this.options.now();
    let key = failure;
    let id = windowKey(key);
    if (!this.windows.has(id) && this.windows.size >= this.options.maxSources) {
      key = { ...failure, source: MANY_SOURCES };
      id = windowKey(key);
    }
    let window = this.windows.get(id);
    if (window && now - window.start >= this.options.windowMs) {
      this.close(id, window, now);
      window = undefined;
    }
    if (!window) {
      // The first refusal of a source is recorded as it happens; under MANY_SOURCES it is counted.
      const own = key.source !== MANY_SOURCES;
      this.windows.set(id, own ? { key, start: now, count: 0 } : { key, start: now, count: 1, sample });
      return own;
    }
    window.count++;
    window.sample = sample;
    return false;
  }

  /** Summaries of the windows that have ended (or all, when `all`), each once; quiet windows are dropped. */
  drain(all = false): AuthFailureSummary<S>[] {
    const now = this.options.now();
    for (const [id, window] of this.windows) {
      if (all || now - window.start >= this.options.windowMs) this.close(id, window, now);
    }
    return this.ended.splice(0);
  }

  private close(id: string, window: Window<S>, now: number): void {
    this.windows.delete(id);
    if (window.count > 0 && window.sample !== undefined) {
      this.ended.push({ key: window.key, count: window.count, windowStart: window.start, windowEnd: Math.min(now, window.start + this.options.windowMs), sample: window.sample });
    }
  }
}

function windowKey(key: AuthFailure): string {
  return `${key.source}\0${key.code}\0${key.protocol}`;
}
