import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { hostPort } from './env.js';

export interface GrpcServiceBinding {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

/** A gRPC server that always serves grpc.health.v1 and reports NOT_SERVING while draining. */
export class GrpcServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 32 << 20 });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private boundPort = 0;

  constructor(
    private readonly address: { host: string; port: number },
    services: readonly GrpcServiceBinding[],
    private readonly logger: Logger,
  ) {
    this.health.addToServer(this.server);
    for (const service of services) this.server.addService(service.definition, service.implementation);
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const target = hostPort(this.address);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
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
