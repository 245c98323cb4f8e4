import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { Finding } from '../../../projections/reconciliation/reconcile.js';
import type { FreeTierUse } from '../../../projections/rating/free-tiers.js';
import { ratedCharge } from '../../../projections/rating/free-tiers.js';
import type { BillableUnit } from '../../../projections/thread/thread.types.js';
import type { Scope } from '../../auth/scope.js';
import { LedgerError } from '../../common/ledger-error.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';

export interface ReconciliationAnswer extends Reflecting {
  readonly wabaId: string;
  readonly period: string;
  readonly messages: number;
  /** Findings of the kind asked for (all kinds when none was), over every page. */
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** One page, by kind, then message id. */
  readonly findings: readonly (Finding & { phoneNumberId: string; customer: string })[];
  /** Hand it back as `after` for the next page; null on the last. */
  readonly next: string | null;
}

export interface FindingsPage {
  readonly kind?: string;
  readonly after?: string;
  readonly limit: number;
}

export class GetReconciliation extends Query<ReconciliationAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly period: string,
    readonly page: FindingsPage,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

interface Row {
  readonly message_id: string;
  readonly kind: string;
  readonly stream: string;
  readonly depends: string;
  readonly ledger: string;
  readonly meta: string;
  readonly phone_number_id: string;
  readonly customer: string;
  readonly unit: string | null;
}

type Key = [kind: string, messageId: string, stream: string, depends: string];

/**
 * Meta's stated verdicts against the ledger's for an account's month, from the findings each
 * thread's fold keeps: counts by kind, and a page of them. A finding that holds only as the
 * month's rating decides (a free allowance may absorb its unit) is kept or left by the draft's
 * free allowances, as the month's units are.
 */
@QueryHandler(GetReconciliation)
export class GetReconciliationHandler implements IQueryHandler<GetReconciliation> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: GetReconciliation): Promise<ReconciliationAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    this.reader.account(engine, query.wabaId, query.scope);
    const { sql } = this.reader;
    const month = [query.wabaId, query.period];
    const holds = holding(await this.reader.freeTiers(tables, query.wabaId, query.period));
    const [compared] = await sql.all<{ n: string | number | null }>(`SELECT SUM(messages) AS n FROM ${tables.compared} WHERE waba_id = ? AND period = ?`, month);
    const byKind: Record<string, number> = {};
    for (const row of await sql.all<{ kind: string; n: string | number }>(`SELECT kind, COUNT(*) AS n FROM ${tables.findings} WHERE waba_id = ? AND period = ? AND depends = '' GROUP BY kind`, month)) {
      byKind[row.kind] = Number(row.n);
    }
    for (const row of await sql.all<Row>(`SELECT kind, depends, unit FROM ${tables.findings} WHERE waba_id = ? AND period = ? AND depends <> ''`, month)) {
      if (holds(row)) byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
    }
    const { page } = query;
    const findings: ReconciliationAnswer['findings'][number][] = [];
    let lastKey: Key | undefined;
    let after = page.after === undefined ? undefined : parseKey(page.after);
    let next: string | null = null;
    const chunk = Math.max(2 * page.limit, 200);
    for (;;) {
      const rows = await sql.all<Row>(
        `SELECT message_id, kind, stream, depends, ledger, meta, phone_number_id, customer, unit FROM ${tables.findings}
          WHERE waba_id = ? AND period = ?${page.kind ? ' AND kind = ?' : ''}${after ? ' AND (kind, message_id, stream, depends) > (?, ?, ?, ?)' : ''}
          ORDER BY kind, message_id, stream, depends LIMIT ?`,
        [...month, ...(page.kind ? [page.kind] : []), ...(after ?? []), chunk],
      );
      for (const row of rows) {
        if (!holds(row)) continue;
        if (findings.length === page.limit) {
          next = keyText(lastKey!);
          break;
        }
        findings.push({ messageId: row.message_id, kind: row.kind as Finding['kind'], ledger: row.ledger, meta: row.meta, phoneNumberId: row.phone_number_id, customer: row.customer });
        lastKey = [row.kind, row.message_id, row.stream, row.depends];
      }
      if (next !== null || rows.length < chunk) break;
      const last = rows[rows.length - 1]!;
      after = [last.kind, last.message_id, last.stream, last.depends];
    }
    const total = page.kind ? (byKind[page.kind] ?? 0) : Object.values(byKind).reduce((a, b) => a + b, 0);
    return { ...at, wabaId: query.wabaId, period: query.period, messages: Number(compared?.n ?? 0), total, byKind, findings, next };
  }
}

function holding(freeTiers: readonly FreeTierUse[]): (row: Pick<Row, 'depends' | 'unit'>) => boolean {
  return (row) => row.depends === '' || ratedCharge(JSON.parse(row.unit!) as BillableUnit, freeTiers) === row.depends;
}

const keyText = (key: Key): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function parseKey(text: string): Key {
  try {
    const key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 4 && key.every((part) => typeof part === 'string')) return key as Key;
  } catch {
    // Refused below, as any other text that is not a page's `next`.
  }
  throw new LedgerError('VALIDATION_FAILED', "after: must be a page's `next`, as the previous page gave it", 400, 'after');
}
