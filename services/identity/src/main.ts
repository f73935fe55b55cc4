import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type IdentityConfig } from './config.js';
import { createApp } from './app.js';

let config: IdentityConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('identity', err);
}
const logger = createLogger('identity', config.logLevel);
await runService('identity', logger, createApp(config, logger));
