import { createHmac } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { createApp } from '../../src/app.factory.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { EventStore } from '../../src/event-store/event-store.port.js';
import { START } from '../../src/event-store/position.js';

export const ADMIN_KEY = 'test-admin-key';
export const APP_SECRET = 'test-app-secret';
export const VERIFY_TOKEN = 'test-verify-token';

export interface Running {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly store: EventStore;
  close(): Promise<void>;
}

/** The real application on a loopback port, as main.ts starts it. */
export async function startApp(config: LedgerConfig): Promise<Running> {
  const app = await createApp(
    { ...config, adminKey: ADMIN_KEY, metaAppSecret: APP_SECRET, metaVerifyToken: VERIFY_TOKEN },
    { logger: pino({ level: process.env.LEDGER_TEST_LOG ?? 'silent' }) },
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), store: app.get(EventStore), close: () => app.close() };
}

export function sign(body: string, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Every committed event, whether or not a reader may take it yet: on PostgreSQL a commit stays
 * out of `readAll` while a transaction that started before it runs elsewhere (a runner's, the
 * inbox's), and a count through it could see an earlier request's event arrive late.
 */
export async function countEvents(store: EventStore): Promise<number> {
  return (await store.unread(START, Number.MAX_SAFE_INTEGER)).events;
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly type: string | null;
  readonly body: T;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A small HTTP client for the tests: JSON in, JSON (or problem+json) out. */
export class Client {
  constructor(
    readonly url: string,
    readonly key?: string,
  ) {}

  as(key: string): Client {
    return new Client(this.url, key);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type');
    return { status: response.status, type, body: (type?.includes('json') && text ? JSON.parse(text) : text) as T, headers: Object.fromEntries(response.headers) };
  }

  get<T = Record<string, unknown>>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.request<T>('POST', path, body, headers);
  }

  async webhook(payload: object, signature?: string): Promise<Reply> {
    const body = JSON.stringify(payload);
    return this.post('/webhooks/whatsapp', body, { 'x-hub-signature-256': signature ?? sign(body) });
  }

  /** What the inbox processor made of a payload, once it has: polled, as a client waiting for it would. */
  async processed(sha256: string, timeoutMs = 15_000): Promise<WebhookOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.get<{ status: string; outcome: WebhookOutcome }>(`/webhooks/payloads/${sha256}`);
      if (reply.body.status === 'processed') return reply.body.outcome;
      if (Date.now() > deadline) throw new Error(`payload ${sha256} not processed in ${timeoutMs} ms: ${JSON.stringify(reply.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A payload's outcome, as `GET /webhooks/payloads/{sha256}` answers it. */
export interface WebhookOutcome {
  readonly items: number;
  readonly appended: number;
  readonly duplicates: number;
  readonly position: string | null;
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  readonly parked: readonly { readonly id: string; readonly path: string; readonly code: string; readonly reason: string }[];
}

const unix = (iso: string) => String(Date.parse(iso) / 1000);

/** Meta's `whatsapp_business_account` payloads, shaped like the samples in ../shared/data/webhooks. */
export const meta = {
  payload(wabaId: string, phoneNumberId: string, value: Record<string, unknown>): object {
    return {
      object: 'whatsapp_business_account',
      entry: [{ id: wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }] }],
    };
  },
  inbound(from: string, id: string, at: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { from, id, timestamp: unix(at), type: 'text', text: { body: 'hello' }, ...extra };
  },
  status(recipient: string, id: string, status: string, at: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { id, status, timestamp: unix(at), recipient_id: recipient, ...extra };
  },
};
