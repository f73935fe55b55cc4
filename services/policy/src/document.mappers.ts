import { policyV1 } from '@portcullis/proto-gen';
import type { DocumentFormat, PolicyDocument, Revision } from './domain/index.js';
import { changeToProto } from './events.mappers.js';

const FORMATS: Record<DocumentFormat, policyV1.DocumentFormat> = {
  document: policyV1.DocumentFormat.DOCUMENT_FORMAT_DOCUMENT,
  config: policyV1.DocumentFormat.DOCUMENT_FORMAT_CONFIG,
};

export function documentToProto(doc: PolicyDocument): policyV1.PolicyDocument {
  return {
    name: doc.name,
    format: FORMATS[doc.format],
    digest: doc.digest,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
    version: BigInt(doc.version),
    seededDigest: doc.seededDigest ?? '',
  };
}

export function revisionToProto(revision: Revision): policyV1.Revision {
  return {
    version: BigInt(revision.version),
    previousVersion: BigInt(revision.previousVersion),
    changedBy: revision.changedBy,
    changes: revision.changes.map(changeToProto),
    digest: revision.digest,
    createdAt: revision.createdAt,
  };
}

/** A uint64 version from the wire, as the number the domain uses; undefined if it is not one. */
export function versionFromProto(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
