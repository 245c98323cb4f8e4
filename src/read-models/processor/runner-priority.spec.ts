import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { yieldToRequests } from './runner-priority.js';

/** Runs the helper in a thread of its own, as the runner's worker does, and answers what that thread then has. */
function inThread(nice: number, start?: number): Promise<{ answered: number | undefined; own: number }> {
  const helper = new URL('./runner-priority.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { getPriority, setPriority } = require('node:os');
    if (workerData.start !== undefined) setPriority(0, workerData.start);
    import(workerData.helper).then(({ yieldToRequests }) => {
      const answered = yieldToRequests(workerData.nice);
      parentPort.postMessage({ answered, own: getPriority(0) });
    });`;
  const worker = new Worker(code, { eval: true, workerData: { helper, nice, start } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { answered: number | undefined; own: number }) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('runner priority', { skip: process.platform !== 'linux' && 'nice values are per thread on Linux only' }, () => {
  it('lowers only the runner thread: the event loop serving requests keeps its priority', async () => {
    const before = getPriority(0);
    const { answered, own } = await inThread(Math.max(before, 10));
    assert.equal(answered, Math.max(before, 10));
    assert.equal(own, Math.max(before, 10));
    assert.equal(getPriority(0), before);
  });

  it('never raises a thread that already runs lower, and leaves it alone at 0', async () => {
    const before = getPriority(0);
    assert.deepEqual(await inThread(0), { answered: undefined, own: before });
    // A thread can lower its own priority but, unprivileged, never raise it back: start from at least the test's own.
    const lower = Math.max(before, 15);
    assert.deepEqual(await inThread(10, lower), { answered: lower, own: lower });
  });

  it('changes nothing where a nice value belongs to the whole process', () => {
    const before = getPriority(0);
    assert.equal(yieldToRequests(10, 'darwin'), undefined);
    assert.equal(getPriority(0), before);
  });
});
