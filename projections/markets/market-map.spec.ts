import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { markets } from '../../test/support/engine-kit.js';
import { ZoneCalendar } from '../time/zone-calendar.js';

const utc = ZoneCalendar.of('UTC');
const on = (date: string) => Date.parse(`${date}T12:00:00Z`);
const market = (customer: string, date = '2025-11-01') => markets.resolve(customer, on(date), utc);

describe('markets: calling code to country to market', () => {
  it('maps standalone markets and regional groups', () => {
    assert.deepEqual(market('5511987654321'), { country: 'BR', market: 'Brazil' });
    assert.deepEqual(market('919876543210'), { country: 'IN', market: 'India' });
    assert.deepEqual(market('254712345678'), { country: 'KE', market: 'Rest of Africa' });
    assert.deepEqual(market('61412345678'), { country: 'AU', market: 'Rest of Asia Pacific' });
  });

  it('reads area codes inside +1: Dominican Republic, Jamaica and Puerto Rico are Rest of Latin America, other Caribbean numbers Other', () => {
    assert.deepEqual(market('18095551234'), { country: 'DO', market: 'Rest of Latin America' });
    assert.deepEqual(market('18765551234'), { country: 'JM', market: 'Rest of Latin America' });
    assert.deepEqual(market('17875551234'), { country: 'PR', market: 'Rest of Latin America' });
    assert.deepEqual(market('12425551234'), { country: 'BS', market: 'Other' });
    assert.deepEqual(market('12025550123'), { country: 'US', market: 'North America' });
  });

  it('prices +7 Kazakhstan as Russia until 2026-10-01, then as its own market', () => {
    assert.deepEqual(market('77012345678', '2026-09-30'), { country: 'KZ', market: 'Russia' });
    assert.deepEqual(market('77012345678', '2026-10-01'), { country: 'KZ', market: 'Kazakhstan' });
    assert.deepEqual(market('79161234567', '2026-10-01'), { country: 'RU', market: 'Russia' });
  });

  it('moves Zimbabwe from Other to Rest of Africa on 2025-10-01', () => {
    assert.equal(market('263771234567', '2025-09-30').market, 'Other');
    assert.equal(market('263771234567', '2025-10-01').market, 'Rest of Africa');
  });

  it('applies a map version at midnight in the WABA time zone', () => {
    const kolkata = ZoneCalendar.of('Asia/Kolkata');
    // 2025-09-30T19:00Z is already 1 October in India.
    assert.equal(markets.resolve('263771234567', Date.parse('2025-09-30T19:00:00Z'), kolkata).market, 'Rest of Africa');
    assert.equal(markets.resolve('263771234567', Date.parse('2025-09-30T19:00:00Z'), utc).market, 'Other');
  });

  it('falls back to the calling code for numbers the library cannot place', () => {
    assert.deepEqual(market('447700900123'), { country: 'GB', market: 'United Kingdom' });
    assert.deepEqual(market('15550783881'), { country: undefined, market: 'North America' });
  });

  it('places a number by its calling code alone exactly as libphonenumber would, for every code one country uses', () => {
    let seed = 7;
    const digit = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % 10).toString();
    const codes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
    let checked = 0;
    for (const code of codes) {
      for (let national = 0; national <= 19; national++) {
        const customer = code + Array.from({ length: national }, digit).join('');
        assert.equal(markets.countryOf(customer), parsePhoneNumberFromString(`+${customer}`)?.country, customer);
        checked++;
      }
    }
    assert.equal(checked, codes.length * 20);
  });
});
