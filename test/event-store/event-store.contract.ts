import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EventIdConflict, EventStoreError, WrongExpectedRevision } from '../../src/event-store/event-store.errors.js';
import type { EventInput, StoredEvent } from '../../src/event-store/event-store.port.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { comparePositions, START } from '../../src/event-store/position.js';

export interface ContractSubject {
  /** A store to test. Several calls give several clients of the same storage. */
  open(): Promise<EventStore>;
  teardown(): Promise<void>;
  /** EventStoreDB scopes ids to their stream; the SQL stores index them globally. */
  readonly globalIds: boolean;
  readonly name: 'sqlite' | 'postgres' | 'esdb';
}

let counter = 0;

/** The guarantees every adapter gives, written once. Streams get unique names per test. */
export function eventStoreContract(name: string, subject: () => Promise<ContractSubject>): void {
  describe(`event store contract: ${name}`, () => {
    let context: ContractSubject;
    let store: EventStore;
    const run = randomUUID().slice(0, 8);
    const streamName = (label: string) => `${label}-${run}-${++counter}`;
    const event = (id: string, data: unknown = { n: id }, type = 'Tested'): EventInput => ({
      id: `${run}:${id}`,
      type,
      data,
      metadata: { actor: 'contract' },
    });
    const readAllOf = async (streams: string[], after = START): Promise<StoredEvent[]> => {
      const mine: StoredEvent[] = [];
      for await (const e of store.readAll({ after, batchSize: 3 })) if (streams.includes(e.stream)) mine.push(e);
      return mine;
    };
    const collect = async (it: AsyncIterable<StoredEvent>) => {
      const out: StoredEvent[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    const rejectsWith = async (work: Promise<unknown>, code: string, field?: string) => {
      await assert.rejects(work, (error: unknown) => {
        assert.ok(error instanceof EventStoreError, `expected an EventStoreError, got ${String(error)}`);
        assert.equal(error.code, code);
        if (field !== undefined) assert.equal(error.field, field);
        return true;
      });
    };

    before(async () => {
      context = await subject();
      store = await context.open();
    });
    after(async () => {
      await store.close();
      await context.teardown();
    });

    describe('expected revision', () => {
      it('numbers a new stream from revision 0 when no stream is expected', async () => {
        const s = streamName('new');
        const result = await store.append(s, [event('a'), event('b')], { expected: 'no_stream' });
        assert.equal(result.revision, 1);
        assert.deepEqual(result.events.map((e) => e.revision), [0, 1]);
        assert.equal(result.duplicate, false);
        assert.equal(await store.streamRevision(s), 1);
      });

      it('refuses no_stream on an existing stream and reports its actual revision', async () => {
        const s = streamName('exists');
        await store.append(s, [event('c'), event('d')], { expected: 'no_stream' });
        await assert.rejects(store.append(s, [event('e')], { expected: 'no_stream' }), (error: unknown) => {
          assert.ok(error instanceof WrongExpectedRevision);
          assert.equal(error.code, 'WRONG_EXPECTED_REVISION');
          assert.equal(error.actual, 1);
          return true;
        });
        assert.equal(await store.streamRevision(s), 1);
      });

      it('refuses stream_exists on a missing stream, actual no_stream', async () => {
        const s = streamName('missing');
        await assert.rejects(store.append(s, [event('f')], { expected: 'stream_exists' }), (error: unknown) => {
          assert.ok(error instanceof WrongExpectedRevision);
          assert.equal(error.actual, 'no_stream');
          return true;
        });
        assert.equal(await store.streamRevision(s), 'no_stream');
      });

      it('accepts stream_exists on an existing stream', async () => {
        const s = streamName('exists-ok');
        await store.append(s, [event('g')], { expected: 'no_stream' });
        const result = await store.append(s, [event('h')], { expected: 'stream_exists' });
        assert.equal(result.revision, 1);
      });

      it('appends at the exact revision and refuses a stale one, carrying the actual revision', async () => {
        const s = streamName('exact');
        await store.append(s, [event('i')], { expected: 'no_stream' });
        const ok = await store.append(s, [event('j')], { expected: 0 });
        assert.equal(ok.revision, 1);
        await assert.rejects(store.append(s, [event('k')], { expected: 0 }), (error: unknown) => {
          assert.ok(error instanceof WrongExpectedRevision);
          assert.equal(error.expected, 0);
          assert.equal(error.actual, 1);
          return true;
        });
        assert.deepEqual((await collect(store.readStream(s))).map((e) => e.id), [`${run}:i`, `${run}:j`]);
      });

      it('appends with any whatever the stream holds', async () => {
        const s = streamName('any');
        await store.append(s, [event('l')], { expected: 'any' });
        const result = await store.append(s, [event('m')], { expected: 'any' });
        assert.equal(result.revision, 1);
      });

      it('lets exactly one of two writers racing with the same expected revision win', async () => {
        const s = streamName('race');
        await store.append(s, [event('race-0')], { expected: 'no_stream' });
        const other = await context.open();
        try {
          const outcomes = await Promise.allSettled([
            store.append(s, [event('race-a')], { expected: 0 }),
            other.append(s, [event('race-b')], { expected: 0 }),
          ]);
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          assert.equal(won.length, 1);
          assert.equal(lost.length, 1);
          assert.ok(lost[0]!.reason instanceof WrongExpectedRevision, String(lost[0]!.reason));
          assert.equal((lost[0]!.reason).actual, 1);
          assert.equal((await collect(store.readStream(s))).length, 2);
        } finally {
          await other.close();
        }
      });

      it('serialises racing writers that expect any, losing none', async () => {
        const s = streamName('race-any');
        const other = await context.open();
        try {
          await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).append(s, [event(`ra-${i}`)], { expected: 'any' })),
          );
          const revisions = (await collect(store.readStream(s))).map((e) => e.revision);
          assert.deepEqual(revisions, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        } finally {
          await other.close();
        }
      });
    });

    describe('atomic batches', () => {
      it('writes a multi-event append with consecutive revisions and increasing positions', async () => {
        const s = streamName('batch');
        const result = await store.append(s, [event('n1'), event('n2'), event('n3')], { expected: 'no_stream' });
        assert.deepEqual(result.events.map((e) => e.revision), [0, 1, 2]);
        const [p0, p1, p2] = result.events.map((e) => e.position);
        assert.ok(comparePositions(p0!, p1!) < 0 && comparePositions(p1!, p2!) < 0);
        assert.deepEqual(result.position, p2);
      });

      it('appends nothing of a batch when one of its events clashes with a stored id', async () => {
        const s = streamName('batch-clash');
        const t = streamName('batch-clash-other');
        await store.append(t, [event('clash')], { expected: 'no_stream' });
        await rejectsWith(store.append(s, [event('o1'), event('clash', { other: true })], { expected: 'any' }), 'EVENT_ID_CONFLICT');
        assert.equal(await store.streamRevision(s), 'no_stream');
        assert.deepEqual(await readAllOf([s]), []);
      });
    });

    describe('several streams in one append', () => {
      it('writes every stream and answers a repeated write as a duplicate of its original', async () => {
        const a = streamName('many-a');
        const b = streamName('many-b');
        const first = await store.appendMany([
          { stream: a, events: [event('m1')], expected: 'no_stream' },
          { stream: b, events: [event('m2'), event('m3')], expected: 'no_stream' },
        ]);
        assert.deepEqual(first.map((r) => [r.revision, r.duplicate]), [[0, false], [1, false]]);
        const again = await store.appendMany([
          { stream: a, events: [event('m1')], expected: 'no_stream' },
          { stream: a, events: [event('m4')], expected: 0 },
        ]);
        assert.deepEqual(again.map((r) => [r.revision, r.duplicate]), [[0, true], [1, false]]);
        assert.deepEqual(again[0]!.position, first[0]!.position);
        assert.deepEqual((await readAllOf([a, b])).map((e) => e.id), [`${run}:m1`, `${run}:m2`, `${run}:m3`, `${run}:m4`]);
      });

      it('numbers several writes to one stream in one call on from each other, and refuses a stale one among them', async (t) => {
        if (context.name === 'esdb') return t.skip('EventStoreDB has no transaction across streams');
        const a = streamName('many-same');
        const written = await store.appendMany([
          { stream: a, events: [event('ms1')], expected: 'no_stream' },
          { stream: a, events: [event('ms2'), event('ms3')], expected: 0 },
          { stream: a, events: [event('ms4')], expected: 'any' },
          { stream: a, events: [event('ms5')], expected: 'stream_exists' },
        ]);
        assert.deepEqual(written.map((r) => r.revision), [0, 2, 3, 4]);
        const b = streamName('many-stale');
        await rejectsWith(
          store.appendMany([
            { stream: b, events: [event('mt1')], expected: 'no_stream' },
            { stream: b, events: [event('mt2')], expected: 'no_stream' },
          ]),
          'WRONG_EXPECTED_REVISION',
        );
        assert.equal(await store.streamRevision(b), 'no_stream');
      });

      it('appends nothing of any stream when one write conflicts', async (t) => {
        if (context.name === 'esdb') return t.skip('EventStoreDB has no transaction across streams');
        const a = streamName('many-clash-a');
        const b = streamName('many-clash-b');
        await store.append(b, [event('mc1', { v: 1 })], { expected: 'no_stream' });
        await rejectsWith(
          store.appendMany([
            { stream: a, events: [event('mc2')], expected: 'no_stream' },
            { stream: b, events: [event('mc1', { v: 2 })], expected: 'any' },
          ]),
          'EVENT_ID_CONFLICT',
        );
        assert.equal(await store.streamRevision(a), 'no_stream');
      });
    });

    describe('idempotent append by event id', () => {
      it('answers a retried append with the original positions and appends nothing', async () => {
        const s = streamName('retry');
        const first = await store.append(s, [event('p1'), event('p2')], { expected: 'no_stream' });
        const again = await store.append(s, [event('p1'), event('p2')], { expected: 'no_stream' });
        assert.equal(again.duplicate, true);
        assert.deepEqual(again.events, first.events);
        assert.deepEqual(again.position, first.position);
        assert.equal(await store.streamRevision(s), 1);
      });

      it('recognises a retry even after the stream moved on', async () => {
        const s = streamName('retry-late');
        const first = await store.append(s, [event('q1')], { expected: 'no_stream' });
        await store.append(s, [event('q2')], { expected: 0 });
        const again = await store.append(s, [event('q1')], { expected: 'no_stream' });
        assert.equal(again.duplicate, true);
        assert.deepEqual(again.events, first.events);
        assert.equal(await store.streamRevision(s), 1);
      });

      it('treats the same id with different data as a conflict and appends nothing', async () => {
        const s = streamName('conflict');
        await store.append(s, [event('r1', { amount: '1.00' })], { expected: 'no_stream' });
        await assert.rejects(store.append(s, [event('r1', { amount: '2.00' })], { expected: 'any' }), (error: unknown) => {
          assert.ok(error instanceof EventIdConflict);
          assert.equal(error.code, 'EVENT_ID_CONFLICT');
          assert.equal(error.eventId, `${run}:r1`);
          return true;
        });
        assert.equal(await store.streamRevision(s), 0);
      });

      it('treats the same id with another type as a conflict', async () => {
        const s = streamName('conflict-type');
        await store.append(s, [event('r2', { x: 1 }, 'First')], { expected: 'no_stream' });
        await rejectsWith(store.append(s, [event('r2', { x: 1 }, 'Second')], { expected: 'any' }), 'EVENT_ID_CONFLICT');
      });

      it('treats a batch that repeats only part of a stored append as a conflict', async () => {
        const s = streamName('partial');
        await store.append(s, [event('s1')], { expected: 'no_stream' });
        await rejectsWith(store.append(s, [event('s1'), event('s2')], { expected: 'any' }), 'EVENT_ID_CONFLICT');
        assert.equal(await store.streamRevision(s), 0);
      });

      it('ignores key order and metadata when recognising a retry', async () => {
        const s = streamName('retry-keys');
        await store.append(s, [{ id: `${run}:u1`, type: 'T', data: { a: 1, b: 2 }, metadata: { recordedAt: '1' } }], {
          expected: 'no_stream',
        });
        const again = await store.append(s, [{ id: `${run}:u1`, type: 'T', data: { b: 2, a: 1 }, metadata: { recordedAt: '2' } }], {
          expected: 'no_stream',
        });
        assert.equal(again.duplicate, true);
      });

      it('treats the same id in another stream as a conflict', async (t) => {
        if (!context.globalIds) return t.skip('this adapter scopes event ids to their stream');
        const s = streamName('id-a');
        await store.append(s, [event('v1')], { expected: 'no_stream' });
        await rejectsWith(store.append(streamName('id-b'), [event('v1')], { expected: 'any' }), 'EVENT_ID_CONFLICT');
      });
    });

    describe('reading a stream', () => {
      it('reads forwards from a revision and backwards from a revision or the end', async () => {
        const s = streamName('read');
        await store.append(s, ['w0', 'w1', 'w2', 'w3', 'w4'].map((id) => event(id)), { expected: 'no_stream' });
        const revs = async (it: AsyncIterable<StoredEvent>) => (await collect(it)).map((e) => e.revision);
        assert.deepEqual(await revs(store.readStream(s)), [0, 1, 2, 3, 4]);
        assert.deepEqual(await revs(store.readStream(s, { from: 2 })), [2, 3, 4]);
        assert.deepEqual(await revs(store.readStream(s, { from: 1, maxCount: 2 })), [1, 2]);
        assert.deepEqual(await revs(store.readStream(s, { direction: 'backwards' })), [4, 3, 2, 1, 0]);
        assert.deepEqual(await revs(store.readStream(s, { direction: 'backwards', from: 2 })), [2, 1, 0]);
        assert.deepEqual(await revs(store.readStream(s, { direction: 'backwards', maxCount: 2 })), [4, 3]);
      });

      it('reads a missing stream as empty', async () => {
        assert.deepEqual(await collect(store.readStream(streamName('none'))), []);
      });

      it('returns data and metadata exactly as appended', async () => {
        const s = streamName('roundtrip');
        const data = { price: '0.0625', nested: { list: [1, 'two', null, true] }, text: 'ação ₹ 😀', big: 12345678901234 };
        await store.append(s, [{ id: `${run}:x1`, type: 'MessageSent', data, metadata: { actor: 'k', source: 'api' } }], {
          expected: 'no_stream',
        });
        const [stored] = await collect(store.readStream(s));
        assert.deepEqual(stored!.data, data);
        assert.deepEqual(stored!.metadata, { actor: 'k', source: 'api' });
        assert.equal(stored!.type, 'MessageSent');
        assert.equal(stored!.stream, s);
      });
    });

    describe('reading all', () => {
      it('reads every event in commit order from a position, in batches', async () => {
        const a = streamName('all-a');
        const b = streamName('all-b');
        await store.append(a, [event('y1')], { expected: 'any' });
        await store.append(b, [event('y2'), event('y3')], { expected: 'any' });
        await store.append(a, [event('y4')], { expected: 'any' });
        const all = await readAllOf([a, b]);
        assert.deepEqual(all.map((e) => e.id), ['y1', 'y2', 'y3', 'y4'].map((id) => `${run}:${id}`));
        for (let i = 1; i < all.length; i++) assert.ok(comparePositions(all[i - 1]!.position, all[i]!.position) < 0);
        const rest = await readAllOf([a, b], all[1]!.position);
        assert.deepEqual(rest.map((e) => e.id), ['y3', 'y4'].map((id) => `${run}:${id}`));
      });

      it('limits a read of all to maxCount', async () => {
        const s = streamName('all-max');
        const result = await store.append(s, [event('z1'), event('z2'), event('z3')], { expected: 'any' });
        const before = result.events[0]!.position;
        const got: StoredEvent[] = [];
        for await (const e of store.readAll({ after: before, maxCount: 2 })) got.push(e);
        assert.equal(got.length, 2);
        assert.equal(got[0]!.id, `${run}:z2`);
      });
    });

    describe('reading by stream name', () => {
      it('reads the streams of a name range whole, by name then revision, up to a position, in batches of any size', async () => {
        const prefix = `${streamName('range')}.`;
        const [a1, a2, b] = [`${prefix}a1`, `${prefix}a2`, `${prefix}b`];
        await store.append(a2, [event('rg1')], { expected: 'any' });
        await store.append(a1, [event('rg2'), event('rg3')], { expected: 'any' });
        const cut = (await store.append(a2, [event('rg4')], { expected: 'any' })).position;
        await store.append(a1, [event('rg5')], { expected: 'any' });
        await store.append(b, [event('rg6')], { expected: 'any' });
        const read = async (from: string, to: string, upTo = cut, size?: number) => {
          const got: string[] = [];
          for await (const batch of store.readRange(from, to, upTo, size)) for (const e of batch) got.push(`${e.stream.slice(prefix.length)}:${e.revision}:${e.id.slice(run.length + 1)}`);
          return got;
        };
        assert.deepEqual(await read(`${prefix}a`, `${prefix}b`), ['a1:0:rg2', 'a1:1:rg3', 'a2:0:rg1', 'a2:1:rg4']);
        assert.deepEqual(await read(`${prefix}a`, `${prefix}b`, cut, 1), ['a1:0:rg2', 'a1:1:rg3', 'a2:0:rg1', 'a2:1:rg4']);
        assert.deepEqual(await read(prefix, `${prefix}~`, await store.lastPosition()), ['a1:0:rg2', 'a1:1:rg3', 'a1:2:rg5', 'a2:0:rg1', 'a2:1:rg4', 'b:0:rg6']);
        assert.deepEqual(await store.streamNames(prefix, `${prefix}~`, cut), [a1, a2]);
      });

      it('knows where the log ends, and how many events it holds up to a position', async () => {
        const s = streamName('end');
        const first = await store.append(s, [event('end1')], { expected: 'any' });
        const last = await store.append(s, [event('end2'), event('end3')], { expected: 'any' });
        assert.deepEqual(await store.lastPosition(), last.position);
        assert.equal((await store.countUpTo(last.position)) - (await store.countUpTo(first.position)), 2);
      });

      it('tells a reader how many events it has not read, and the oldest of them', async () => {
        const s = streamName('unread');
        const first = await store.append(s, [event('un1')], { expected: 'any' });
        await store.append(s, [event('un2'), event('un3')], { expected: 'any' });
        const unread = await store.unread(first.position);
        assert.deepEqual({ events: unread.events, oldest: unread.oldest?.id }, { events: 2, oldest: `${run}:un2` });
        assert.deepEqual(await store.unread(await store.lastPosition()), { events: 0, oldest: undefined });
      });

      it('reads several whole streams in one call, each in revision order, leaving out absent ones', async () => {
        const [a, b] = [streamName('many'), streamName('many')];
        await store.append(b, [event('rs1')], { expected: 'any' });
        await store.append(a, [event('rs2'), event('rs3')], { expected: 'any' });
        await store.append(b, [event('rs4')], { expected: 'any' });
        const read = await store.readStreams([a, b, streamName('absent')]);
        assert.deepEqual(
          Object.fromEntries([...read].map(([stream, events]) => [stream, events.map((e) => `${e.revision}:${e.id.slice(run.length + 1)}`)])),
          { [a]: ['0:rs2', '1:rs3'], [b]: ['0:rs1', '1:rs4'] },
        );
      });
    });

    describe('catch-up subscription', () => {
      it('delivers history after the checkpoint, then new commits, skipping none', async () => {
        const s = streamName('sub');
        const first = await store.append(s, [event('sub1'), event('sub2')], { expected: 'any' });
        const controller = new AbortController();
        const seen: string[] = [];
        const done = (async () => {
          for await (const batch of store.subscribe({ after: first.events[0]!.position, idleMs: 10, signal: controller.signal })) {
            for (const e of batch) if (e.stream === s) seen.push(e.id);
            if (seen.length >= 3) controller.abort();
          }
        })();
        await store.append(s, [event('sub3')], { expected: 'any' });
        await store.append(s, [event('sub4')], { expected: 'any' });
        await done;
        assert.deepEqual(seen, ['sub2', 'sub3', 'sub4'].map((id) => `${run}:${id}`));
      });
    });

    describe('bad input', () => {
      const rejectsUnwritten = async (stream: string, work: Promise<unknown>, code: string, field: string) => {
        await rejectsWith(work, code, field);
        assert.equal(await store.streamRevision(stream), 'no_stream');
      };

      it('rejects an empty stream name', async () => {
        await rejectsWith(store.append('', [event('bad1')], { expected: 'any' }), 'STREAM_NAME_INVALID', 'stream');
      });

      it('rejects data that JSON cannot hold exactly, naming the field', async () => {
        const s = streamName('bad-data');
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await rejectsUnwritten(s, store.append(s, [event('bad2', { n: 1n })], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.n');
        await rejectsUnwritten(s, store.append(s, [event('bad3', circular)], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.self');
        await rejectsUnwritten(s, store.append(s, [event('bad4', { f: () => 1 })], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.f');
        await rejectsUnwritten(s, store.append(s, [event('bad5', { at: new Date(0) })], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.at');
        await rejectsUnwritten(s, store.append(s, [event('bad6', { n: Number.NaN })], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.n');
        await rejectsUnwritten(
          s,
          store.append(s, [event('ok7'), event('bad7', [undefined])], { expected: 'any' }),
          'EVENT_DATA_INVALID',
          'events[1].data',
        );
        const holey = [1];
        holey[2] = 3;
        await rejectsUnwritten(s, store.append(s, [event('bad8', { list: holey })], { expected: 'any' }), 'EVENT_DATA_INVALID', 'events[0].data.list');
      });

      it('rejects a negative or fractional expected revision', async () => {
        const s = streamName('bad-rev');
        await rejectsUnwritten(s, store.append(s, [event('bad8')], { expected: -1 }), 'REVISION_INVALID', 'expected');
        await rejectsUnwritten(s, store.append(s, [event('bad9')], { expected: 1.5 }), 'REVISION_INVALID', 'expected');
      });

      it('rejects a negative revision to read from', async () => {
        await rejectsWith(collect(store.readStream(streamName('bad-read'), { from: -1 })), 'REVISION_INVALID', 'from');
      });

      it('rejects an empty append and an event without id or type', async () => {
        const s = streamName('bad-shape');
        await rejectsUnwritten(s, store.append(s, [], { expected: 'any' }), 'EVENTS_EMPTY', 'events');
        await rejectsUnwritten(s, store.append(s, [{ ...event('x'), id: '' }], { expected: 'any' }), 'EVENT_ID_INVALID', 'events[0].id');
        await rejectsUnwritten(s, store.append(s, [{ ...event('bad10'), type: '' }], { expected: 'any' }), 'EVENT_TYPE_INVALID', 'events[0].type');
        await rejectsUnwritten(s, store.append(s, [event('dup'), event('dup')], { expected: 'any' }), 'EVENT_ID_INVALID', 'events[1].id');
      });
    });
  });
}
