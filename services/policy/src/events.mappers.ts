import { newEvent } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import type { DocumentChange, LoadedPolicy, Revision } from './domain/index.js';
import type { OutboxEvent } from './db/outbox.repository.js';

const ACTIONS: Record<DocumentChange['action'], eventsV1.PolicyDocumentAction> = {
  put: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT,
  delete: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_DELETE,
};

export function changeToProto(change: DocumentChange): eventsV1.PolicyDocumentChange {
  return { name: change.name, action: ACTIONS[change.action], oldDigest: change.oldDigest ?? '', newDigest: change.newDigest ?? '' };
}

/**
 * The PolicyChanged of a revision, as an outbox row, written once in the revision's transaction.
 * Its id is random and stored with it, so however often a relay retries, JetStream and audit keep
 * it once; and unpredictable, so nobody can take it first in JetStream's de-duplication window.
 */
export function revisionEvent(revision: Revision, rules: number, source: string): OutboxEvent {
  const event = newEvent({
    requestId: '',
    connection: '',
    source,
    occurredAt: revision.createdAt,
    body: {
      $case: 'policyChanged',
      value: {
        policyVersion: String(revision.version),
        rules,
        previousVersion: String(revision.previousVersion),
        changedBy: revision.changedBy,
        changes: revision.changes.map(changeToProto),
        digest: revision.digest,
        cause: eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_CHANGE,
      },
    },
  });
  return { eventId: event.id, version: revision.version, payload: eventsV1.Event.encode(event).finish() };
}

/** The body of an instance's start announcement: the stored version it decides with. */
export function startAnnouncement(loaded: LoadedPolicy): eventsV1.PolicyChanged {
  return {
    policyVersion: String(loaded.version),
    rules: loaded.compiled.ruleCount,
    previousVersion: '',
    changedBy: '',
    changes: [],
    digest: loaded.digest,
    cause: eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_START,
  };
}

/**
 * The version a PolicyChanged on the bus says is stored: a change's version, or what a starting
 * instance loaded. Undefined for anything else or unreadable.
 */
export function announcedVersion(data: Uint8Array): number | undefined {
  try {
    const event = eventsV1.Event.decode(data);
    if (event.body?.$case !== 'policyChanged') return undefined;
    const version = Number(event.body.value.policyVersion);
    return Number.isSafeInteger(version) && version > 0 ? version : undefined;
  } catch {
    return undefined;
  }
}
