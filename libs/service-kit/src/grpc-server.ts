import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { authorizeCaller, type Callers } from './callers.js';
import { hostPort } from './env.js';
import { grpcError } from './grpc-errors.js';
import { callerOf, serverCredentials, type TlsMaterial } from './tls.js';

export interface GrpcServiceBinding {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
  /** Who may call each method (a CallerTable of the service), checked before the handler runs. */
  readonly callers: Readonly<Record<string, Callers>>;
}

/**
 * A gRPC server over mutual TLS only: a client without a certificate the CA issued cannot complete
 * the handshake, and each call is then checked against its service's caller table (PERMISSION_DENIED
 * with CALLER_NOT_ALLOWED or CALLER_UNIDENTIFIED otherwise). It always serves grpc.health.v1 (to any
 * verified client) and reports NOT_SERVING while draining.
 */
export class GrpcServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 32 << 20 });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private boundPort = 0;

  constructor(
    private readonly address: { host: string; port: number },
    services: readonly GrpcServiceBinding[],
    private readonly tls: TlsMaterial,
    private readonly logger: Logger,
  ) {
    this.health.addToServer(this.server);
    for (const service of services) this.server.addService(service.definition, guarded(service, logger));
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const target = hostPort(this.address);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(target, serverCredentials(this.tls), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.logger.info({ address: `${this.address.host}:${this.boundPort}` }, 'grpc listening');
    return this.boundPort;
  }

  setServing(serving: boolean): void {
    this.health.setStatus('', serving ? 'SERVING' : 'NOT_SERVING');
  }

  /** Finishes in-flight calls for up to `graceMs`, then cancels what is left. */
  async drain(graceMs = 5000): Promise<void> {
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * The implementation with every method behind its caller rule. A method without a rule, or one
 * that streams (none does yet; the check would need its own wrapper), stops the start: fail closed.
 */
function guarded(service: GrpcServiceBinding, logger: Logger): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(service.definition)) {
    const name = method.path.split('.').pop()!;
    const callers = service.callers[key];
    if (callers === undefined) throw new Error(`${name} has no entry in its service's caller table`);
    if (method.requestStream || method.responseStream) throw new Error(`${name} streams; the caller check covers unary methods only`);
    const handler = service.implementation[key] as grpc.handleUnaryCall<unknown, unknown>;
    out[key] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const verdict = authorizeCaller(name, callers, callerOf(call));
      if (verdict.ok) return handler(call, callback);
      logger.warn({ method: name, caller: callerOf(call) ?? 'unidentified', peer: call.getPeer(), reason: verdict.code }, 'grpc call refused');
      callback(grpcError(grpc.status.PERMISSION_DENIED, verdict.code, verdict.message));
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return out;
}
