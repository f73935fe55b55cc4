import { serve } from '@portcullis/service-kit';
import { loadConfig } from './config.js';
import { createApp } from './app.js';

await serve('approvals', loadConfig, (config, logger) => createApp(config, logger));
