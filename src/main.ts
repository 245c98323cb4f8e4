import { createApp } from './app.factory.js';
import { createLogger } from './common/logger.js';
import { loadConfig } from './config/ledger.config.js';

const config = loadConfig();
const logger = createLogger();
const app = await createApp(config, { logger });
await app.listen(config.port, config.host);
logger.info({ url: await app.getUrl(), store: config.store, file: config.store === 'sqlite' ? config.sqliteFile : undefined }, 'ledger listening');
