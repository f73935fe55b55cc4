import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type IngressConfig } from './config.js';
import { createApp } from './app.js';

let config: IngressConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('ingress', err);
}
const logger = createLogger('ingress', config.logLevel);
await runService('ingress', logger, createApp(config, logger));
