import { createApp } from './app.factory.js';
import { createLogger } from './common/logger.js';
import { loadConfig } from './config/ledger.config.js';
import { startupBanner } from './startup-banner.js';

const config = loadConfig();
const logger = createLogger();
const app = await createApp(config, { logger });
await app.listen(config.port, config.host);
const url = await app.getUrl();
logger.info({ url, store: config.store, file: config.store === 'sqlite' ? config.sqliteFile : undefined }, 'ledger listening');
process.stderr.write(startupBanner(config, url.replace('[::1]', 'localhost')));
