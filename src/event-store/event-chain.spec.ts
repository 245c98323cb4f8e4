import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { merkleRoot } from './event-chain.js';

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('merkleRoot: the digest of the streams an invoice was computed from', () => {
  it('hashes leaves pairwise in their order, an odd last one going up as it is, as Certificate Transparency does', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(sha) as [string, string, string];
    assert.equal(merkleRoot([]), sha('empty'));
    assert.equal(merkleRoot([a]), a);
    assert.equal(merkleRoot([a, b]), sha(`node\n${a}\n${b}`));
    assert.equal(merkleRoot([a, b, c]), sha(`node\n${sha(`node\n${a}\n${b}`)}\n${c}`));
    assert.notEqual(merkleRoot([b, a, c]), merkleRoot([a, b, c]), 'the order is part of the root');
  });
});
