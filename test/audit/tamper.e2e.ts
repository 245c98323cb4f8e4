import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { threadStream } from '../../projections/events.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { chainOf } from '../../src/event-store/event-chain.js';
import { openEventStore } from '../../src/event-store/event-store.factory.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { ADMIN_KEY, Client, startApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { cards } from '../support/engine-kit.js';

export interface TamperSubject {
  readonly config: LedgerConfig;
  readonly env: NodeJS.ProcessEnv;
  /** The store keeps each stream's head apart from its events (PostgreSQL's `streams`). */
  readonly headsKept: boolean;
  /** Runs SQL behind the ledger's back, as an intruder would (`?` placeholders, tables `events` and `streams`); answers the rows changed. */
  sql(text: string, params?: readonly unknown[]): Promise<number>;
  /** Keeps the log as it is, and puts it back. */
  snapshot(): Promise<void>;
  restore(): Promise<void>;
  teardown(): Promise<void>;
}

const WABA = 'waba-t';
const PHONE = 'ph-t';
const BRAZIL = '5511987654321';
const INVOICE = `${WABA}.2025-10`;
const THREAD = threadStream(WABA, PHONE, BRAZIL);
const key = { wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL };
/** What the read status's data becomes when edited: an instant that bills nothing differently. */
const READ_LATER = JSON.stringify({ ...key, messageId: 'wamid.t1', timestamp: '2025-10-06T10:06:00.000Z' });

/** Every kind of edit of the record, each caught by `ledger audit verify`, money or not, and named: the stream and revision, or the invoice's field. */
export function tamperSuite(name: string, subject: () => Promise<TamperSubject>): void {
  describe(`audit verify names every edit of the record: ${name}`, () => {
    let context: TamperSubject;
    const cli = (...args: string[]) => runCli(['audit', 'verify', ...args], context.env);
    /** Both verifications after an edit: each exits 1; the log's names the break, the invoice's its difference or break. */
    const caught = async (invoice: RegExp, log: RegExp | null) => {
      const checked = await cli('--invoice', INVOICE);
      assert.equal(checked.code, 1, checked.stdout + checked.stderr);
      assert.match(checked.stdout, invoice);
      const walked = await cli('--log');
      if (log) {
        assert.equal(walked.code, 1, walked.stdout + walked.stderr);
        assert.match(walked.stdout, log);
      } else assert.equal(walked.code, 0, walked.stdout + walked.stderr);
    };
    const named = (revision: number, kind: string) => new RegExp(`${THREAD.replace(/[.~]/g, '\\$&')} revision ${revision}: ${kind}`);

    before(async () => {
      context = await subject();
      const running = await startApp(context.config);
      try {
        const admin = new Client(running.url, ADMIN_KEY);
        const post = async (path: string, body: object) => {
          const reply = await admin.post<{ position: string }>(path, body);
          assert.equal(reply.status, 201, JSON.stringify(reply.body));
          return reply.body.position;
        };
        await post('/rate-cards', cards.usd2025q4());
        await post('/accounts', { wabaId: WABA, portfolioId: 'pf-t', timezone: 'UTC', currency: 'USD' });
        await post('/phone-numbers', { wabaId: WABA, phoneNumberId: PHONE });
        await post('/messages/sent', { ...key, messageId: 'wamid.t1', timestamp: '2025-10-06T10:00:00Z', kind: 'template', template: { name: 'promo', category: 'marketing' } });
        await post('/messages/statuses', { ...key, messageId: 'wamid.t1', timestamp: '2025-10-06T10:00:01Z', status: 'delivered' });
        await post('/messages/statuses', { ...key, messageId: 'wamid.t1', timestamp: '2025-10-06T10:05:00Z', status: 'read' });
        const last = await post('/messages/received', { ...key, messageId: 'wamid.t2', timestamp: '2025-10-06T10:10:00Z', kind: 'text' });
        const issued = await admin.post<{ invoice: { total: string; basis: { log?: { streams: number } } } }>('/invoices', { wabaId: WABA, period: '2025-10', minPosition: last });
        assert.equal(issued.status, 201, JSON.stringify(issued.body));
        assert.equal(issued.body.invoice.total, '0.06');
        // Its account, its thread and the rate card it was priced from.
        assert.equal(issued.body.invoice.basis.log?.streams, 3);
      } finally {
        await running.close();
      }
      await context.snapshot();
    });
    after(async () => context.teardown());

    it('verifies the untouched log: the invoice matches and every chain holds', async () => {
      const checked = await cli('--invoice', INVOICE);
      assert.deepEqual([checked.code, checked.stdout], [0, `${INVOICE} revision 0: match\n`], checked.stderr);
      const walked = await cli('--log');
      assert.equal(walked.code, 0, walked.stdout + walked.stderr);
      assert.match(walked.stdout, /every chain holds/);
    });

    describe('each edit, the log put back after it', () => {
      const cases: [string, () => Promise<void>, RegExp, RegExp | null][] = [
        ["an event's data, moving no money (the read status's instant)", async () => assert.equal(await context.sql('UPDATE events SET data = ? WHERE stream = ? AND revision = 2', [READ_LATER, THREAD]), 1), named(2, 'EDITED'), named(2, 'EDITED')],
        [
          "only an event's recordedAt and actor",
          async () => assert.equal(await context.sql('UPDATE events SET metadata = ? WHERE stream = ? AND revision = 1', [JSON.stringify({ recordedAt: '2025-10-01T00:00:00.000Z', actor: 'key:forged', source: 'api' }), THREAD]), 1),
          named(1, 'EDITED'),
          named(1, 'EDITED'),
        ],
        ['a deleted event', async () => assert.equal(await context.sql('DELETE FROM events WHERE stream = ? AND revision = 2', [THREAD]), 1), named(2, 'MISSING'), named(2, 'MISSING')],
        [
          'an inserted event',
          async () => {
            // The later events move up to make room, as an intruder would renumber them.
            assert.equal(await context.sql('UPDATE events SET revision = revision + 100 WHERE stream = ? AND revision >= 1', [THREAD]), 3);
            assert.equal(await context.sql('UPDATE events SET revision = revision - 99 WHERE stream = ? AND revision >= 100', [THREAD]), 3);
            const forged = JSON.stringify({ ...key, messageId: 'wamid.t1', timestamp: '2025-10-06T10:00:00.500Z' });
            assert.equal(await context.sql('INSERT INTO events (stream, revision, id, type, data, metadata, chain) VALUES (?, 1, ?, ?, ?, ?, ?)', [THREAD, 'forged', 'MessageRead', forged, '{}', `sha256:${'0'.repeat(64)}`]), 1);
          },
          named(1, 'BROKEN'),
          named(1, 'BROKEN'),
        ],
        [
          'two events swapped',
          async () => {
            assert.equal(await context.sql('UPDATE events SET revision = revision + 100 WHERE stream = ? AND revision IN (1, 2)', [THREAD]), 2);
            assert.equal(await context.sql('UPDATE events SET revision = CASE revision WHEN 101 THEN 2 ELSE 1 END WHERE stream = ? AND revision IN (101, 102)', [THREAD]), 2);
          },
          named(1, 'BROKEN'),
          named(1, 'BROKEN'),
        ],
        [
          'the stored invoice (its total)',
          async () => {
            const issued = await readInvoice(context);
            assert.equal(await context.sql('UPDATE events SET data = ? WHERE stream = ? AND revision = 0', [JSON.stringify({ ...issued, total: '0.01' }), `invoice-${INVOICE}`]), 1);
          },
          /first difference: total: issued "0\.01", recomputed "0\.06"; invoice-waba-t\.2025-10 revision 0: EDITED/,
          /invoice-waba-t\.2025-10 revision 0: EDITED/,
        ],
        [
          "an event's recordedAt and actor edited and every link after it forged to follow, so each chain holds: the invoice's digest of its streams tells",
          async () => {
            const store = await openEventStore(context.config);
            try {
              const events: RecordedEvent[] = [];
              for await (const event of store.readStream(THREAD)) events.push(event as RecordedEvent);
              // The delivery: within every basis, as the month was last rated on it.
              let link = events[0]!.chain!;
              for (const event of events.slice(1)) {
                const metadata = event.revision === 1 ? JSON.stringify({ recordedAt: '2025-10-01T00:00:00.000Z', actor: 'key:forged', source: 'api' }) : event.rawMetadata;
                link = chainOf(link, THREAD, event.revision, { id: event.id, type: event.type, data: event.rawData, metadata });
                assert.equal(await context.sql('UPDATE events SET metadata = ?, chain = ? WHERE stream = ? AND revision = ?', [metadata, link, THREAD, event.revision]), 1);
              }
              if (context.headsKept) assert.equal(await context.sql('UPDATE streams SET head = ? WHERE stream = ?', [link, THREAD]), 1);
            } finally {
              await store.close();
            }
          },
          /^waba-t\.2025-10 revision 0: MISMATCH, first difference: basis\.log: issued \{[^}]*"streams":3[^}]*\}, recomputed \{[^}]*"streams":3[^}]*\}\n$/,
          null,
        ],
      ];
      for (const [edit, apply, invoice, log] of cases) {
        it(`catches ${edit}`, async () => {
          await apply();
          try {
            await caught(invoice, log);
          } finally {
            await context.restore();
          }
        });
      }

      it('verifies the log put back', async () => {
        assert.equal((await cli('--invoice', INVOICE)).stdout, `${INVOICE} revision 0: match\n`);
      });
    });
  });
}

async function readInvoice(context: TamperSubject): Promise<object> {
  const store = await openEventStore(context.config);
  try {
    for await (const event of store.readStream(`invoice-${INVOICE}`)) return event.data as object;
    throw new Error('no invoice');
  } finally {
    await store.close();
  }
}
