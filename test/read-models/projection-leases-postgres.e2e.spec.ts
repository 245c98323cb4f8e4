import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { seedStore } from '../../bench/seed.js';
import { loadConfig } from '../../src/config/ledger.config.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import { comparePositions } from '../../src/event-store/position.js';
import { PROJECTION_VERSION } from '../../src/read-models/read-model.schema.js';
import { PostgresSql } from '../../src/read-models/sql.js';
import { prepareVersion } from '../../src/read-models/ledger-processor.js';
import { CLI } from '../support/cli.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { assertEqualsRebuild } from '../support/rebuild-compare.js';

const LEASE_MS = 3_000;

if (!pgSkip()) {
  describe('runner processes sharing PostgreSQL read models through leases', () => {
    const schema = freshSchema('leases');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, LEDGER_PROJECTION_LEASE_MS: String(LEASE_MS), LEDGER_PROJECTION_BATCH: '200', LEDGER_PROJECTION_COMMIT: '600' };
    const config = loadConfig(env);
    let store: PostgresEventStore;
    let sql: PostgresSql;
    let total = 0;
    const children: ChildProcess[] = [];

    const runner = () => {
      const child = spawn(process.execPath, [CLI, 'project', '--follow', '--workers', '1'], { env: { ...process.env, ...env, LEDGER_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
      children.push(child);
      return child;
    };
    /** Owner of each partition whose lease is current, by the pid in the owner's name. */
    const holders = async () => {
      const { leases } = await prepareVersion(sql, `${schema}.`, PROJECTION_VERSION, config);
      const now = Date.now();
      return (await leases.holders()).filter((h) => h.owner !== null && h.expiresAt > now).map((h) => Number(h.owner!.split(':')[1]));
    };
    const checkpoints = async () => {
      const { tables } = await prepareVersion(sql, `${schema}.`, PROJECTION_VERSION, config);
      return [...(await tables.checkpoints.read(sql)).values()];
    };
    const slowest = async () => Math.min(...(await checkpoints()).map((c) => c.events));
    const until = async (what: string, done: () => Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await done())) {
        if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms (partitions held by pid: ${JSON.stringify(await holders())})`);
        await sleep(50);
      }
      return Date.now() - (deadline - ms);
    };

    before(async () => {
      store = new PostgresEventStore({ connectionString: pgUrl!, schema });
      await store.init();
      total = await seedStore(store, { events: 20_000, accounts: 30 });
      sql = PostgresSql.open(pgUrl!);
    });
    after(async () => {
      for (const child of children) child.kill('SIGKILL');
      await sql.close();
      await store.close();
      await dropSchema(schema);
    });

    it('share the partitions; one killed mid-batch loses its partitions to the other within the lease time; the read models equal a one-process rebuild', async () => {
      const first = runner();
      const second = runner();
      await until('both runners hold half of the partitions', async () => {
        const pids = await holders();
        return pids.length === 64 && pids.filter((p) => p === first.pid).length === 32 && pids.filter((p) => p === second.pid).length === 32;
      }, 20_000);
      await until('the runners are under way', async () => (await slowest()) > 0, 20_000);
      const atKill = await slowest();
      second.kill('SIGKILL');
      await new Promise((resolve) => second.once('close', resolve));
      assert.ok(atKill < total, `the second runner must die part-way (slowest partition at ${atKill} of ${total})`);

      const took = await until('the first runner holds every partition', async () => (await holders()).filter((p) => p === first.pid).length === 64, LEASE_MS + 2_000);
      assert.ok(took <= LEASE_MS + 1_500, `taken over in ${took} ms`);
      // Caught up, and rated: no month waits for its drafts.
      await until('every partition has caught up and rated', async () => (await checkpoints()).every((c) => c.events === total && comparePositions(c.rated, c.position) === 0), 60_000);
      first.kill('SIGTERM');
      await new Promise((resolve) => first.once('close', resolve));

      const units = await assertEqualsRebuild(store, sql, `${schema}.`, config);
      assert.ok(units > 1_000, 'the traffic must produce units to compare');
    });
  });
}
