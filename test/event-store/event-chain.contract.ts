import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyChains } from '../../src/event-store/event-chain.js';
import type { ChainBreak } from '../../src/event-store/event-chain.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';

export interface ChainSubject {
  readonly store: EventStore;
  /** The store keeps each stream's head apart from its events (PostgreSQL): the deletion of a stream's last event shows. */
  readonly headsKept: boolean;
  /** Runs SQL on the events' table behind the store's back (`?` placeholders, `events` for the table), as an intruder would; answers the rows changed. */
  tamper(sql: string, params: readonly unknown[]): Promise<number>;
  teardown(): Promise<void>;
}

const meta = (actor: string) => ({ recordedAt: '2025-10-06T12:00:00.000Z', actor, source: 'api', correlationId: 'c' });

/** Four events in a stream of their own, appended one by one and two at once. */
async function stream(store: EventStore, name: string): Promise<void> {
  for (let i = 0; i < 2; i++) await store.append(name, [{ id: `${name}:${i}`, type: 'MessageSent', data: { messageId: `${name}.${i}`, timestamp: `2025-10-06T12:0${i}:00Z` }, metadata: meta('key:a') }], { expected: 'any' });
  await store.appendMany([
    { stream: name, expected: 1, events: [2, 3].map((i) => ({ id: `${name}:${i}`, type: 'MessageDelivered', data: { messageId: `${name}.${i}`, timestamp: `2025-10-06T12:0${i}:00Z` }, metadata: meta('meta-webhook') })) },
  ]);
}

const only = (breaks: readonly ChainBreak[], name: string) => breaks.filter((b) => b.stream === name).map((b) => `${b.revision} ${b.kind}`);

/** Each stream's events are chained, and `verifyChains` names an edit, an insertion, a deletion or a reordering, money or not. */
export function eventChainContract(name: string, subject: () => Promise<ChainSubject>): void {
  describe(`the chain of each stream's events: ${name}`, () => {
    let context: ChainSubject;
    before(async () => {
      context = await subject();
      for (const s of ['chain-ok', 'chain-edit', 'chain-meta', 'chain-delete', 'chain-swap', 'chain-insert', 'chain-erase', 'chain-tail']) await stream(context.store, s);
    });
    after(async () => context.teardown());

    it('links every appended event to the one before it, through single appends and a batch alike, and finds nothing broken in an untouched log', async () => {
      const events = [];
      for await (const event of context.store.readStream('chain-ok')) events.push(event);
      assert.deepEqual(events.map((e) => /^sha256:[0-9a-f]{64}$/.test(e.chain ?? '')), [true, true, true, true]);
      assert.equal(new Set(events.map((e) => e.chain)).size, 4);
      const report = await verifyChains(context.store);
      assert.deepEqual(report.breaks, []);
      assert.equal(report.unchained, 0);
      assert.ok(report.events >= 32 && report.streams >= 8);
    });

    it('names the stream and revision of an edited event (its data, or only its recordedAt and actor), an erased link, a deleted event, two swapped and one inserted', async () => {
      assert.equal(await context.tamper(`UPDATE events SET data = ? WHERE id = ?`, ['{"messageId":"chain-edit.1","timestamp":"2025-10-06T12:09:00Z"}', 'chain-edit:1']), 1);
      assert.equal(await context.tamper(`UPDATE events SET metadata = ? WHERE id = ?`, [JSON.stringify({ ...meta('key:forged'), recordedAt: '2025-10-01T00:00:00.000Z' }), 'chain-meta:2']), 1);
      assert.equal(await context.tamper(`UPDATE events SET chain = NULL WHERE id = ?`, ['chain-erase:2']), 1);
      assert.equal(await context.tamper(`DELETE FROM events WHERE id = ?`, ['chain-delete:1']), 1);
      assert.equal(await context.tamper(`DELETE FROM events WHERE id = ?`, ['chain-tail:3']), 1);
      // Two events swap places: each keeps its content and link, under the other's revision.
      assert.equal(await context.tamper(`UPDATE events SET revision = revision + 100 WHERE stream = ? AND revision IN (1, 2)`, ['chain-swap']), 2);
      assert.equal(await context.tamper(`UPDATE events SET revision = CASE revision WHEN 101 THEN 2 ELSE 1 END WHERE stream = ? AND revision IN (101, 102)`, ['chain-swap']), 2);
      // One inserted at revision 1, the later ones moved up to make room, with a link of its own making.
      assert.equal(await context.tamper(`UPDATE events SET revision = revision + 100 WHERE stream = ? AND revision >= 1`, ['chain-insert']), 3);
      assert.equal(await context.tamper(`UPDATE events SET revision = revision - 99 WHERE stream = ? AND revision >= 100`, ['chain-insert']), 3);
      await context.store.append('chain-insert-source', [{ id: 'chain-insert:x', type: 'MessageSent', data: { messageId: 'x' }, metadata: meta('key:a') }], { expected: 'no_stream' });
      assert.equal(await context.tamper(`UPDATE events SET stream = ?, revision = 1, chain = ? WHERE id = ?`, ['chain-insert', `sha256:${'0'.repeat(64)}`, 'chain-insert:x']), 1);

      const report = await verifyChains(context.store);
      assert.deepEqual(only(report.breaks, 'chain-ok'), []);
      assert.deepEqual(only(report.breaks, 'chain-edit'), ['1 edited']);
      assert.deepEqual(only(report.breaks, 'chain-meta'), ['2 edited']);
      assert.deepEqual(only(report.breaks, 'chain-erase'), ['2 unlinked']);
      assert.deepEqual(only(report.breaks, 'chain-delete'), ['1 missing']);
      assert.deepEqual(only(report.breaks, 'chain-swap'), ['1 broken']);
      assert.deepEqual(only(report.breaks, 'chain-insert'), ['1 broken']);
      // Without a head kept apart, a stream cut short still holds together: only an invoice's basis would tell.
      assert.deepEqual(only(report.breaks, 'chain-tail'), context.headsKept ? ['3 missing'] : []);
    });
  });
}
