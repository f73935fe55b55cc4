// The masking service owns masking profiles and applies them: validated detectors (e-mail
// addresses, Luhn-valid card numbers) and field rules over text and JSON bodies. It is stateless.
// Anything it cannot mask with certainty (unknown profile, binary or unsupported content, invalid
// JSON) is an error, so the gateway refuses to return the body: masking fails closed.
import { GrpcServer, type App, type Logger } from '@portcullis/service-kit';
import type { MaskingConfig } from './config.js';
import { Masker } from './domain/profiles.js';
import { maskingHandler } from './grpc/masking.handler.js';

export function createApp(config: MaskingConfig, logger: Logger): App & { readonly grpcPort: () => number } {
  const grpc = new GrpcServer(config.grpcAddress, [maskingHandler(new Masker(config.profiles, config.tokenKey), logger)], config.tls, logger);
  return {
    grpcPort: () => grpc.port,
    async start() {
      await grpc.listen();
      grpc.setServing(true);
      logger.info({ profiles: config.profiles.map((p) => p.name) }, 'masking profiles loaded');
    },
    async stop() {
      await grpc.drain();
    },
  };
}
