/**
 * Channel options for calls between Portcullis services. grpc-js backs off up to 120 s between
 * reconnection attempts by default; a restarted service should be used again within a second,
 * since every call that fails meanwhile is a refused request (the gateway fails closed).
 */
export const FAST_RECONNECT = Object.freeze({
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
});

/** A grpc-js unary call as a promise: `callUnary((cb) => client.method(request, metadata, options, cb))`. */
export function callUnary<T>(invoke: (callback: (err: unknown, response: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, response) => (err ? reject(err) : resolve(response))));
}
