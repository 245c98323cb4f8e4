import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSync } from 'class-validator';
import { IsBillingCurrency, IsInstant, IsLocalDate, IsPrintableId, nesting, rfc3339 } from './edge-rules.js';

class Stamped {
  @IsInstant()
  at!: unknown;
}

class Dated {
  @IsLocalDate()
  date!: unknown;
}

class Keyed {
  @IsPrintableId(256)
  id!: unknown;
}

class Billed {
  @IsBillingCurrency()
  currency!: unknown;
}

const passes = <T extends object>(type: new () => T, field: keyof T, value: unknown) => validateSync(Object.assign(new type(), { [field]: value })).length === 0;

describe('the edge accepts only instants the engine can convert', () => {
  it('takes RFC 3339 with Z or an offset and fractional seconds, on a real date from 2018 on', () => {
    for (const value of ['2025-10-06T08:00:00.000Z', '2025-10-06T08:00:00Z', '2025-10-06T08:00:00.5+05:30', '2025-10-06T08:00:00.123456789-03:00', '2024-02-29T23:59:59Z', '2018-01-01T00:00:00Z']) {
      assert.ok(passes(Stamped, 'at', value), value);
    }
    assert.equal(rfc3339('2025-10-06T08:00:00.5+05:30'), Date.parse('2025-10-06T02:30:00.500Z'));
  });

  it('refuses week and ordinal dates, basic format, commas, missing seconds or offset, impossible dates, and 1969', () => {
    const refused = ['2025-W41-1T08:00:00Z', '2025-279T08:00:00Z', '20251006T080000Z', '2025-10-06T08:00:00,5Z', '2025-10-06T08Z', '2025-10-06T08:00:00', '2025-02-29T00:00:00Z', '2025-10-06T24:00:00Z', '2025-10-06T08:00:00+0530', '2025-10-06T08:00:00+24:00', '1969-12-31T23:59:59Z', '2017-12-31T23:59:59.999Z', 1_759_737_600, ''];
    for (const value of refused) assert.equal(passes(Stamped, 'at', value), false, String(value));
  });
});

describe('the edge accepts only dates, ids and currencies the engine can use', () => {
  it('takes real calendar dates only', () => {
    assert.ok(passes(Dated, 'date', '2024-02-29'));
    for (const value of ['2025-02-31', '2025-02-29', '2025-13-01', '2025-1-01', '0000-01-01', '2025-10-06T00:00:00Z']) assert.equal(passes(Dated, 'date', value), false, value);
  });

  it('takes printable ids and refuses NUL, newlines, bidirectional and zero-width characters, lone surrogates and spaces', () => {
    assert.ok(passes(Keyed, 'id', 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA='));
    assert.ok(passes(Keyed, 'id', 'wamid.é日本'));
    for (const value of ['a\u0000b', 'a\nb', 'a\u202eb', 'a\u200bb', 'a\ud800b', 'a b', '', 'x'.repeat(257)]) assert.equal(passes(Keyed, 'id', value), false, JSON.stringify(value));
  });

  it('takes upper-case ISO 4217 codes with a known minor unit', () => {
    for (const value of ['USD', 'BRL', 'INR', 'CLP', 'KWD']) assert.ok(passes(Billed, 'currency', value), value);
    for (const value of ['usd', 'XXX', 'XAU', '__proto__', 'US']) assert.equal(passes(Billed, 'currency', value), false, value);
  });

  it('measures nesting without recursion, deep enough to overflow a recursive walk', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(nesting(deep, 32), 33);
    assert.equal(nesting({ a: [{ b: 1 }] }, 32), 3);
  });
});
