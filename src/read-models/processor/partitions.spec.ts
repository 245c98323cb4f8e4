import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allPartitions, PARTITIONS, partitionOf } from './partitions.js';

describe('partitions: a portfolio keeps its partition, and portfolios spread over all of them', () => {
  it('gives a portfolio the same partition in every process and version of Node (FNV-1a, pinned)', () => {
    // FNV-1a 32 of each key, worked out apart: 3720778299, 856560933, 3139034638, 3155812257 and the offset basis 2166136261.
    assert.deepEqual(['pf-good', 'pf-bad', 'portfolio-0', 'portfolio-1', ''].map((key) => partitionOf(key)), [59, 37, 14, 33, 5]);
    assert.equal(partitionOf('pf-good', 8), 3, 'another count divides the same hash');
  });

  it('spreads 10,000 portfolios over the 64 partitions within a fifth of the even share', () => {
    const counts = new Array<number>(PARTITIONS).fill(0);
    for (let i = 0; i < 10_000; i++) counts[partitionOf(`portfolio-${i}`)]! += 1;
    const even = 10_000 / PARTITIONS;
    assert.ok(Math.min(...counts) > even * 0.8 && Math.max(...counts) < even * 1.2, `between ${Math.min(...counts)} and ${Math.max(...counts)}`);
    assert.deepEqual(allPartitions(), Array.from({ length: 64 }, (_, p) => p));
  });
});
