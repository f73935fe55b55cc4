import * as grpc from '@grpc/grpc-js';

/** A gRPC error with a status code and a stable, machine-readable reason in the metadata. */
export function grpcError(code: grpc.status, reason: string, message: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('portcullis-reason', reason);
  return Object.assign(new Error(message), { code, details: message, metadata }) as grpc.ServiceError;
}

/** The reason code a server attached with grpcError(), if any. */
export function grpcReason(err: unknown): string | undefined {
  const metadata = (err as { metadata?: grpc.Metadata }).metadata;
  const value = metadata?.get?.('portcullis-reason')[0];
  return typeof value === 'string' ? value : undefined;
}

/** The token of an `Authorization: Bearer <token>` value (RFC 6750), or undefined. */
export function parseBearer(value: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value ?? '')?.[1];
}

/** Reads a bearer token from call metadata ("authorization: Bearer <token>"). */
export function bearerFromMetadata(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? parseBearer(value) : undefined;
}

/**
 * Adapts an async handler to grpc-js's callback style. Domain code throws only for unexpected
 * failures; those become INTERNAL without leaking their message to the caller.
 */
export function unary<Req, Res>(
  handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  onUnexpected: (err: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, call).then(
      (response) => callback(null, response),
      (err: unknown) => {
        if (typeof (err as grpc.ServiceError).code === 'number' && (err as grpc.ServiceError).metadata) {
          callback(err as grpc.ServiceError);
          return;
        }
        onUnexpected(err);
        callback(grpcError(grpc.status.INTERNAL, 'INTERNAL', 'internal error'));
      },
    );
  };
}
