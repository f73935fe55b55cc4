import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { loadConfig, type AuditConfig } from './config.js';
import { createApp } from './app.js';

let config: AuditConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('audit', err);
}
const logger = createLogger('audit', config.logLevel);
await runService('audit', logger, createApp(config, logger));
