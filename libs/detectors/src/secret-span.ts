/** A found secret's extent, before the spans of all secret scanners are merged. */
export interface Span {
  start: number;
  end: number;
}
