import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readShared } from '../../test/support/engine-kit.js';
import { parseRateCardCsv, parseTierCsv, RateCardCsvError } from './rate-card.csv.js';

const shared = readdirSync(new URL('../../../../shared/data/', import.meta.url)).filter((f) => f.endsWith('.csv') && f.startsWith('meta-'));

describe("rate cards in Meta's CSV layout", () => {
  it('reads every card in ../shared/data', () => {
    assert.deepEqual(shared.sort(), ['meta-usd-2022-02-reconstructed.csv', 'meta-usd-2023-06-partial.csv', 'meta-usd-2025-10.csv', 'meta-usd-2026-01.csv']);
    for (const file of shared) {
      const card = parseRateCardCsv(readShared(`data/${file}`));
      assert.equal(card.currency, 'USD', file);
      assert.equal(card.rateCardId, 'meta-USD', file);
    }
  });

  it('reads the per-message card: header with a quoted line break, n/a for no rate, the date from the title', () => {
    const card = parseRateCardCsv(readShared('data/meta-usd-2025-10.csv'));
    assert.equal(card.effectiveFrom, '2025-10-01');
    assert.equal(card.rates.length, 32 * 3 + 9);
    assert.deepEqual(card.rates.filter((r) => r.market === 'India'), [
      { market: 'India', category: 'marketing', price: '0.0107' },
      { market: 'India', category: 'utility', price: '0.0014' },
      { market: 'India', category: 'authentication', price: '0.0014' },
      { market: 'India', category: 'authentication_international', price: '0.0280' },
    ]);
  });

  it('reads the 2022 conversation card with business- and user-initiated columns', () => {
    const card = parseRateCardCsv(readShared('data/meta-usd-2022-02-reconstructed.csv'));
    assert.equal(card.effectiveFrom, '2022-02-01');
    assert.deepEqual(card.rates.slice(0, 2), [
      { market: 'Brazil', category: 'business_initiated', price: '0.0500' },
      { market: 'Brazil', category: 'user_initiated', price: '0.0300' },
    ]);
  });

  it('reads currency symbols, including the GBD typo and --', () => {
    const csv = 'Market,Currency,Marketing,Utility\nUnited Kingdom,GBD,0.0400,--\nIndia,₹,0.88,0.12\n';
    assert.throws(() => parseRateCardCsv(csv, { effectiveFrom: '2026-01-01' }), /₹ is INR, the card is GBP/);
    const gbp = parseRateCardCsv('Market,Currency,Marketing,Utility\nUnited Kingdom,GBD,0.0400,--\nFrance,£,0.0600,0.0200\n', { effectiveFrom: '2026-01-01' });
    assert.equal(gbp.currency, 'GBP');
    assert.equal(gbp.rateCardId, 'meta-GBP');
    assert.deepEqual(gbp.rates.map((r) => `${r.market}/${r.category}=${r.price}`), ['United Kingdom/marketing=0.0400', 'France/marketing=0.0600', 'France/utility=0.0200']);
  });

  it('rejects a damaged copy with an error naming the line and column', () => {
    const damaged = readShared('data/meta-usd-2025-10.csv').replace('Brazil,$US,0.0625', 'Brazil,$US,0.06x5');
    assert.throws(
      () => parseRateCardCsv(damaged),
      (error: unknown) => error instanceof RateCardCsvError && error.line === 7 && error.column === 'Marketing' && /line 7, column "Marketing": "0.06x5" is not a price/.test(error.message),
    );
  });

  it('rejects an unknown currency, a row without a market and a card without a header', () => {
    assert.throws(() => parseRateCardCsv('Market,Currency,Marketing\nBrazil,XX,0.1\n', { effectiveFrom: '2026-01-01' }), /line 2, column "Currency": unknown currency "XX"/);
    assert.throws(() => parseRateCardCsv('Market,Currency,Marketing\n,$US,0.1\n', { effectiveFrom: '2026-01-01' }), /line 2, column "Market"/);
    assert.throws(() => parseRateCardCsv('Country,Price\nBrazil,0.1\n'), /no header row starting with "Market"/);
    assert.throws(() => parseRateCardCsv('Market,Currency,Marketing,Bananas\nBrazil,$US,0.1,0.2\n'), /column "Bananas": not a rate column/);
  });

  it('needs an effective date when the title has none', () => {
    assert.throws(() => parseRateCardCsv('Market,Currency,Marketing\nBrazil,$US,0.1\n'), /no effective date/);
  });
});

describe("Meta's volume-tier CSV", () => {
  const tierCsv = [
    'Utility,,,,,,,Authentication,,,,,,,Authentication-International,,,,,,',
    'Market,Currency,From,To,Rate type,Rate,vs. List rate,Market,Currency,From,To,Rate type,Rate,vs. List rate,Market,Currency,From,To,Rate type,Rate,vs. List rate',
    'India,$US,0,"750,000",List rate,0.0014,--,India,$US,0,"750,000",List rate,0.0014,--,India,$US,0,"750,000",List rate,0.0280,--',
    ',$US,"750,001","15,000,000",Discount,0.0013,-5%,,$US,"750,001",--,Discount,0.0012,-10%,,$US,"750,001",--,Discount,0.0266,-5%',
    ',$US,"15,000,001",--,Discount,0.0011,-20%,,,,,,,,,,,,,,',
  ].join('\n');

  it('reads side-by-side ladders, carrying the market down and reading 0 as message 1', () => {
    const tiers = parseTierCsv(tierCsv);
    assert.deepEqual(tiers.filter((t) => t.category === 'utility'), [
      { market: 'India', category: 'utility', from: 1, to: 750000, price: '0.0014' },
      { market: 'India', category: 'utility', from: 750001, to: 15000000, price: '0.0013' },
      { market: 'India', category: 'utility', from: 15000001, price: '0.0011' },
    ]);
    assert.deepEqual(tiers.filter((t) => t.category === 'authentication_international').map((t) => t.price), ['0.0280', '0.0266']);
  });

  it('rejects a ladder whose volume is not a count, naming the line', () => {
    assert.throws(() => parseTierCsv(tierCsv.replace('"750,001","15,000,000"', '"750,001",lots')), /line 4, column "To": "lots" is not a message count/);
  });
});
