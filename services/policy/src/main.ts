import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type PolicyConfig } from './config.js';
import { createApp } from './app.js';

let config: PolicyConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('policy', err);
}
const logger = createLogger('policy', config.logLevel);
await runService('policy', logger, createApp(config, logger));
