/** The fields of a log entry that decide whether it repeats one already recorded. */
export interface IdentifiedEntry {
  readonly eventId: string;
  readonly payloadDigest: string;
  readonly streamSeq: number;
}

/**
 * An event id already recorded (or earlier in the same batch) with *other* bytes is not a
 * repeat: it is a second event claiming the id — say a RequestReceived that ingress's key made
 * with the id of a genuine ApprovalGranted it had seen, to have the real one dropped as a
 * duplicate. Only the same id with the same bytes (a redelivery, a retried publish) is a
 * duplicate. A claimant is kept, under an id audit makes (`<id>~<stream seq>:<digest>`), so
 * nothing is dropped and neither event can stand in for the other.
 */
export function renameCollisions<E extends IdentifiedEntry>(entries: readonly E[], stored: ReadonlyMap<string, string>): E[] {
  const seen = new Map(stored);
  return entries.map((entry) => {
    const digest = seen.get(entry.eventId);
    if (digest === undefined) {
      seen.set(entry.eventId, entry.payloadDigest);
      return entry;
    }
    if (digest === entry.payloadDigest) return entry;
    const renamed = `${entry.eventId.slice(0, 200)}~${entry.streamSeq}:${entry.payloadDigest.slice(0, 16)}`;
    seen.set(renamed, entry.payloadDigest);
    return { ...entry, eventId: renamed };
  });
}
