import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type ApprovalsConfig } from './config.js';
import { createApp } from './app.js';

let config: ApprovalsConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('approvals', err);
}
const logger = createLogger('approvals', config.logLevel);
await runService('approvals', logger, createApp(config, logger));
