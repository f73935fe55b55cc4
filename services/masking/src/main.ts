import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type MaskingConfig } from './config.js';
import { createApp } from './app.js';

let config: MaskingConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('masking', err);
}
const logger = createLogger('masking', config.logLevel);
await runService('masking', logger, createApp(config, logger));
