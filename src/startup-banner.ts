import type { LedgerConfig } from './config/ledger.config.js';
import { readModelsInPostgres } from './read-models/read-model.factory.js';

/** What a person starting the server needs to know, in one block: where it listens, what it keeps where, and what it refuses until configured. */
export function startupBanner(config: LedgerConfig, url: string): string {
  const store =
    config.store === 'sqlite'
      ? `SQLite ${config.sqliteFile}`
      : config.store === 'postgres'
        ? `PostgreSQL ${redact(config.postgresUrl)} schema ${config.postgresSchema}`
        : `EventStoreDB ${redact(config.esdbUrl)}`;
  const models = readModelsInPostgres(config) ? `PostgreSQL schema ${config.postgresSchema}` : `SQLite ${config.readModelsFile} (inbox records ${config.inboxFile})`;
  const lines = [
    `Conversation Ledger listening on ${url}`,
    `  events       ${store}`,
    `  read models  ${models}; projections ${config.projections === 'thread' ? `in ${config.projectionWorkers} thread(s)` : config.projections}, webhook inbox ${config.inbox === 'thread' ? 'in a thread' : 'inline'}`,
    config.adminKey
      ? '  admin key    set (LEDGER_ADMIN_KEY): create keys with POST /api-keys'
      : '  admin key    NOT SET: every route but /health, /metrics and /docs answers 401 until a key exists; set LEDGER_ADMIN_KEY and create keys with POST /api-keys',
    config.metaAppSecret
      ? '  webhooks     POST /webhooks/whatsapp verifies signatures with LEDGER_META_APP_SECRET'
      : "  webhooks     LEDGER_META_APP_SECRET NOT SET: POST /webhooks/whatsapp answers 503 (Meta retries) until it is",
    config.metaVerifyToken ? '  handshake    GET /webhooks/whatsapp answers with LEDGER_META_VERIFY_TOKEN' : "  handshake    LEDGER_META_VERIFY_TOKEN not set: Meta's subscription handshake is refused",
    `  API docs     ${url}/docs (OpenAPI: ${url}/docs/openapi.json)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A connection string without its password. */
function redact(url: string | undefined): string {
  if (!url) return '(not set)';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
