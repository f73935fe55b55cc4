// A real OpenID provider for local use and tests. NEVER deploy it in production: its keys live in
// memory and its clients' secrets may be written in the config file.
import { serve } from '@portcullis/service-kit';
import { createDevIdp } from './app.js';
import { loadConfig } from './config.js';

await serve('dev-idp', loadConfig, (config, logger) => createDevIdp({ ...config.idp, logger }));
