import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparePositions, formatPosition, parsePosition, START } from './position.js';

describe('positions', () => {
  it('order by commit, then prepare', () => {
    assert.equal(comparePositions({ commit: 5n, prepare: 9n }, { commit: 6n, prepare: 1n }), -1);
    assert.equal(comparePositions({ commit: 6n, prepare: 2n }, { commit: 6n, prepare: 1n }), 1);
    assert.equal(comparePositions(START, { commit: 0n, prepare: 0n }), 0);
  });

  it('round-trip through their text form COMMIT/PREPARE, and refuse anything else', () => {
    assert.equal(formatPosition({ commit: 740123n, prepare: 18n }), '740123/18');
    assert.deepEqual(parsePosition('740123/18'), { commit: 740123n, prepare: 18n });
    assert.throws(() => parsePosition('-1/2'), /not a position/);
    assert.throws(() => parsePosition('12'), /not a position/);
  });
});
