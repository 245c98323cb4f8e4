import type { RateCardPublishedData } from '../../../projections/events.js';
import type { MarketMap } from '../../../projections/markets/market-map.js';
import type { FieldError } from '../../common/ledger-error.js';

type Card = Pick<RateCardPublishedData, 'effectiveFrom' | 'rates' | 'tiers'>;

/**
 * What would make a card price wrongly or not at all, by field: a market no map knows on its
 * effective date (`Brasil`), a (market, category) priced twice, a tier ladder that does not start
 * at 1, runs backwards, overlaps or leaves a gap, or is open before its last band.
 */
export function cardProblems(card: Card, markets: MarketMap): FieldError[] {
  const known = markets.marketsOn(card.effectiveFrom);
  const problems: FieldError[] = [];
  const seen = new Map<string, number>();
  card.rates.forEach((row, i) => {
    if (!known.has(row.market)) problems.push({ field: `rates[${i}].market`, code: 'marketUnknown', detail: `no market ${JSON.stringify(row.market)} on ${card.effectiveFrom}` });
    const key = `${row.market}/${row.category}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push({ field: `rates[${i}]`, code: 'rowRepeated', detail: `${key} is priced already by rates[${first}]` });
    else seen.set(key, i);
  });
  const ladders = new Map<string, { index: number; from: number; to: number | undefined }[]>();
  (card.tiers ?? []).forEach((band, index) => {
    if (!known.has(band.market)) problems.push({ field: `tiers[${index}].market`, code: 'marketUnknown', detail: `no market ${JSON.stringify(band.market)} on ${card.effectiveFrom}` });
    if (band.to !== undefined && band.to < band.from) problems.push({ field: `tiers[${index}]`, code: 'bandBackwards', detail: `runs from ${band.from} to ${band.to}` });
    const key = `${band.market}/${band.category}`;
    ladders.set(key, [...(ladders.get(key) ?? []), { index, from: band.from, to: band.to }]);
  });
  for (const [key, bands] of ladders) {
    const sorted = [...bands].sort((a, b) => a.from - b.from);
    if (sorted[0]!.from !== 1) problems.push({ field: `tiers[${sorted[0]!.index}]`, code: 'ladderStart', detail: `${key}: the first band starts at ${sorted[0]!.from}, not 1` });
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1]!;
      const band = sorted[i]!;
      if (before.to === undefined) problems.push({ field: `tiers[${before.index}]`, code: 'ladderOpen', detail: `${key}: a band without an upper bound is followed by one from ${band.from}` });
      else if (band.from !== before.to + 1) {
        const what = band.from <= before.to ? 'overlaps' : 'leaves a gap after';
        problems.push({ field: `tiers[${band.index}]`, code: 'ladderBroken', detail: `${key}: the band from ${band.from} ${what} the band ending at ${before.to}` });
      }
    }
  }
  return problems;
}
