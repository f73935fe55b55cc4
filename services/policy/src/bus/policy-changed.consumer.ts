import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '@portcullis/service-kit';
import { announcedVersion } from '../events.mappers.js';

/**
 * Hears every PolicyChanged (a revision, or an instance starting) with a core NATS subscription —
 * JetStream delivers what it stores to core subscribers too — and reports the version it names.
 * Nothing is acknowledged or replayed: a missed event is caught by the reloader's poll.
 */
export function watchPolicyChanges(nc: NatsConnection, subject: string, onVersion: (version: number) => void, logger: Logger): Subscription {
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) {
        logger.error({ err }, 'policy change subscription failed');
        return;
      }
      const version = announcedVersion(msg.data);
      if (version === undefined) logger.warn({ subject: msg.subject, bytes: msg.data.length }, 'unreadable policy change ignored');
      else onVersion(version);
    },
  });
}
