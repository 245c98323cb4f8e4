import { Decimal } from 'decimal.js';
import type { AdjustmentLineData, InvoiceLineData } from '../events.js';
import { formatMoney } from '../rating/currency.js';
import { text } from '../shared/compare.js';

export type AdjustmentLine = AdjustmentLineData;

interface Side {
  quantity: number;
  amount: Decimal;
  unitPrice: string | null;
}

/**
 * The adjustment lines that take one draft to another: per market, category, charge and tier,
 * the change in quantity and in invoiced amount. Lines that did not change give nothing.
 */
export function diffDrafts(previous: { lines: readonly InvoiceLineData[] }, next: { lines: readonly InvoiceLineData[]; currency: string }): AdjustmentLine[] {
  const key = (l: InvoiceLineData) => `${l.market}|${l.category}|${l.charge}|${l.tier ?? ''}`;
  const sum = (lines: readonly InvoiceLineData[]) => {
    const sides = new Map<string, Side & { line: InvoiceLineData }>();
    for (const line of lines) {
      const side = sides.get(key(line));
      if (side) {
        side.quantity += line.quantity;
        side.amount = side.amount.plus(line.amount);
        if (side.unitPrice !== line.unitPrice) side.unitPrice = null;
      } else {
        sides.set(key(line), { quantity: line.quantity, amount: new Decimal(line.amount), unitPrice: line.unitPrice, line });
      }
    }
    return sides;
  };
  const before = sum(previous.lines);
  const after = sum(next.lines);
  const adjustments: AdjustmentLine[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(k);
    const b = after.get(k);
    const line = (b ?? a)!.line;
    const quantity = (b?.quantity ?? 0) - (a?.quantity ?? 0);
    const amount = (b?.amount ?? new Decimal(0)).minus(a?.amount ?? 0);
    const priceChanged = (a?.unitPrice ?? null) !== (b?.unitPrice ?? null);
    if (quantity === 0 && amount.isZero() && !priceChanged) continue;
    adjustments.push({
      market: line.market,
      category: line.category,
      charge: line.charge,
      tier: line.tier,
      quantity,
      previousUnitPrice: a?.unitPrice ?? null,
      unitPrice: b?.unitPrice ?? null,
      amount: formatMoney(amount, next.currency),
    });
  }
  return adjustments.sort((x, y) => text(x.market, y.market) || text(x.category, y.category) || text(x.charge, y.charge) || text(x.tier ?? '', y.tier ?? ''));
}
