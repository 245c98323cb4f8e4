import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isISO8601, validateSync } from 'class-validator';
import { IsInstant } from './thread-key.request.js';

class Stamped {
  @IsInstant()
  timestamp!: unknown;
}

const verdict = (value: unknown) => validateSync(Object.assign(new Stamped(), { timestamp: value }));

describe('IsInstant: the verdict and message of IsISO8601 (strict), read faster in the canonical form', () => {
  it('accepts and refuses exactly what IsISO8601 strict does', () => {
    const values = [
      '2025-10-06T12:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2025-02-29T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2025-10-06T24:00:00.000Z',
      '2025-10-06T12:60:00.000Z',
      '0999-01-01T00:00:00.000Z',
      '2025-10-06T12:00:00Z',
      '2025-10-06T12:00:00+05:30',
      '2025-10-06 12:00:00Z',
      '2025-10-06T12:00:00.000z',
      '2025-13-01T00:00:00.000Z',
      '2025-10-0612:00:00.000Z',
      'x025-10-06T12:00:00.000Z',
      '',
    ];
    for (let ms = Date.UTC(1970, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 86_400_000 * 37 + 3_723_001) values.push(new Date(ms).toISOString());
    for (const value of values) {
      const library = isISO8601(value, { strict: true, strictSeparator: true });
      assert.equal(verdict(value).length === 0, library, value);
    }
  });

  it('refuses what is not a string, with the library\'s message', () => {
    const [error] = verdict(1_759_750_000);
    assert.deepEqual(error?.constraints, { isIso8601: 'timestamp must be a valid ISO 8601 date string' });
    assert.deepEqual(verdict('2025-02-29T00:00:00.000Z')[0]?.constraints, { isIso8601: 'timestamp must be a valid ISO 8601 date string' });
  });
});
