import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnitsFingerprint } from './units-fingerprint.js';

const of = (units: readonly [string, number][], lines: readonly string[]) => {
  const fingerprint = new UnitsFingerprint();
  for (const [id, line] of units) fingerprint.add(id, line);
  return fingerprint.seal(lines);
};

describe('units fingerprint', () => {
  const lines = ['Brazil|utility|regular', 'Brazil|utility|free_customer_service'];

  it('is the same for the same units, lines and order, as 16 hex digits', () => {
    const a = of([['message:w1', 0], ['message:w2', 1]], lines);
    assert.equal(a, of([['message:w1', 0], ['message:w2', 1]], lines));
    assert.match(a, /^[0-9a-f]{16}$/);
  });

  it('keeps its value: stored drafts and issued invoices carry it, and verify recomputes it', () => {
    assert.equal(of([['message:w1', 0], ['message:w2', 1]], lines), '1a5d54d971d410b5');
  });

  it('changes with the order units were charged in, the line each went to, and what a line stands for', () => {
    const base = of([['message:w1', 0], ['message:w2', 1]], lines);
    assert.notEqual(of([['message:w2', 1], ['message:w1', 0]], lines), base);
    assert.notEqual(of([['message:w1', 1], ['message:w2', 0]], lines), base);
    assert.notEqual(of([['message:w1', 0], ['message:w2', 1]], [...lines].reverse()), base);
  });

  it('keeps ids apart where they end: "ab" then "c" is not "a" then "bc"', () => {
    assert.notEqual(of([['ab', 0], ['c', 0]], lines), of([['a', 0], ['bc', 0]], lines));
  });

  it('can be sealed again after more units: sealing does not consume it', () => {
    const fingerprint = new UnitsFingerprint();
    fingerprint.add('message:w1', 0);
    const first = fingerprint.seal(lines);
    assert.equal(fingerprint.seal(lines), first);
    fingerprint.add('message:w2', 1);
    assert.equal(fingerprint.seal(lines), of([['message:w1', 0], ['message:w2', 1]], lines));
  });
});
