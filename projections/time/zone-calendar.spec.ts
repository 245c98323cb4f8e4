import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalInstant, isoOf, parseInstant } from './zone-calendar.js';

describe('instants: the canonical form is read without Date.parse, every other form with it', () => {
  it('reads a canonical instant to the millisecond Date.parse gives, across leap days and year ends', () => {
    for (const iso of ['2025-10-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '1999-12-31T23:59:59.001Z', '2026-03-29T01:30:00.500Z', '1000-01-01T00:00:00.000Z']) {
      assert.equal(canonicalInstant(iso), Date.parse(iso), iso);
    }
    let ms = Date.parse('2018-01-01T00:00:00.000Z');
    for (let i = 0; i < 10_000; i++, ms += 86_399_999 * 3 + 7) assert.equal(canonicalInstant(new Date(ms).toISOString()), ms);
    // Days are counted by arithmetic, not Date.UTC: every century rule from year 1000 to 9999.
    const first = Date.parse('1000-01-01T00:00:00.000Z');
    const span = Date.parse('9999-12-31T23:59:59.999Z') - first;
    for (let i = 0; i < 20_000; i++) {
      const at = first + Math.floor((span * i) / 20_000) + i;
      assert.equal(canonicalInstant(new Date(at).toISOString()), at);
    }
  });

  it('declines a canonical-looking instant with a non-digit in any digit position', () => {
    const iso = '2025-10-01T12:34:56.789Z';
    for (let i = 0; i < iso.length; i++) {
      if (!/\d/.test(iso[i]!)) continue;
      for (const bad of ['x', '/', ':', ' ']) assert.ok(Number.isNaN(canonicalInstant(iso.slice(0, i) + bad + iso.slice(i + 1))), `${bad} at ${i}`);
    }
  });

  it('declines every other form, which parseInstant still reads', () => {
    const others = {
      '2025-10-01T12:00:00Z': Date.UTC(2025, 9, 1, 12),
      '2025-10-01T12:00:00.000+05:30': Date.UTC(2025, 9, 1, 6, 30),
      '2025-10-01T12:00:00.000z': Date.UTC(2025, 9, 1, 12),
      '0099-01-01T00:00:00.000Z': Date.parse('0099-01-01T00:00:00.000Z'),
    };
    for (const [iso, ms] of Object.entries(others)) {
      assert.ok(Number.isNaN(canonicalInstant(iso)), iso);
      assert.equal(parseInstant(iso), ms, iso);
    }
  });

  it('leaves impossible dates to Date.parse, so reading them is unchanged', () => {
    for (const iso of ['2025-02-29T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-10-01T24:00:00.000Z']) {
      assert.ok(Number.isNaN(canonicalInstant(iso)), iso);
      if (Number.isNaN(Date.parse(iso))) assert.throws(() => parseInstant(iso), /timestamp is not an ISO-8601 instant/, iso);
      else assert.equal(parseInstant(iso), Date.parse(iso), iso);
    }
    assert.throws(() => parseInstant('2025-1O-01T00:00:00.000Z'), /timestamp is not an ISO-8601 instant: 2025-1O-01/);
  });
});

describe('instants are written in the form toISOString gives, without a Date from 1970 to 9999', () => {
  const iso = (ms: number): string => new Date(ms).toISOString();

  it('writes leap days, year and century ends, and every millisecond width as Date does', () => {
    for (const text of ['1970-01-01T00:00:00.000Z', '2000-02-29T12:00:00.005Z', '2024-02-29T23:59:59.999Z', '2100-03-01T00:00:00.050Z', '1999-12-31T23:59:59.001Z', '9999-12-31T23:59:59.999Z']) {
      assert.equal(isoOf(Date.parse(text)), text);
    }
    const first = 0;
    const span = Date.parse('9999-12-31T23:59:59.999Z');
    for (let i = 0; i < 20_000; i++) {
      const at = first + Math.floor((span * i) / 20_000) + i * 7;
      assert.equal(isoOf(at), iso(at));
    }
    let ms = Date.parse('2018-01-01T00:00:00.000Z');
    for (let i = 0; i < 10_000; i++, ms += 86_399_999 * 3 + 7) assert.equal(isoOf(ms), iso(ms));
  });

  it('leaves instants before 1970, after 9999 or between milliseconds to Date, and refuses what Date refuses', () => {
    for (const at of [-1, -86_400_000 * 365.25 * 300, Date.parse('+010000-01-01T00:00:00.000Z'), 1.5, 1_759_750_000_123.9]) assert.equal(isoOf(at), iso(at));
    assert.throws(() => isoOf(Number.NaN), RangeError);
  });
});
