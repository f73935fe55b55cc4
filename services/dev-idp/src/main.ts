// A real OpenID provider for local use and tests. NEVER deploy it in production: its keys live in
// memory and its clients' secrets may be written in the config file.
import { createLogger, exitWithConfigError, runService } from '@portcullis/service-kit';
import { createDevIdp } from './app.js';
import { loadConfig, type DevIdpConfig } from './config.js';

let config: DevIdpConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitWithConfigError('dev-idp', err);
}
const logger = createLogger('dev-idp', config.logLevel);
const idp = createDevIdp({ ...config.idp, logger });
await runService('dev-idp', logger, idp);
