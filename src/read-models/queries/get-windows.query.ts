import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import { legacyThreadStream, threadStream } from '../../../projections/events.js';
import { foldThread } from '../../../projections/thread/thread.projection.js';
import type { Windows } from '../../../projections/thread/thread.types.js';
import { anyOpen, windowsLater } from '../../../projections/thread/windows.js';
import type { Scope } from '../../auth/scope.js';
import type { AccountContext } from '../../../projections/thread/thread.types.js';
import { notFound } from '../../common/ledger-error.js';
import { parsePosition } from '../../event-store/position.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';
import type { EngineState } from '../settings/engine-state.js';
import { threadHistory } from '../threads/thread-history.js';

export interface ThreadWindows {
  readonly phoneNumberId: string;
  readonly customer: string;
  readonly windows: Windows;
}

export interface WindowsAnswer extends Reflecting {
  readonly wabaId: string;
  readonly at: string;
  readonly threads: readonly ThreadWindows[];
}

export class GetWindows extends Query<WindowsAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly at: number,
    /** One thread, or every thread of the account with a window open at `at`. */
    readonly thread: { phoneNumberId: string; customer: string } | undefined,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

interface ThreadRow {
  stream: string;
  phone_number_id: string;
  customer: string;
  last_at: string | number;
  windows: string;
  position: string;
}

const MAX_THREADS = 10_000;

@QueryHandler(GetWindows)
export class GetWindowsHandler implements IQueryHandler<GetWindows> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: GetWindows): Promise<WindowsAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, false, query.wabaId);
    const account = this.reader.account(engine, query.wabaId, query.scope);
    const columns = 'stream, phone_number_id, customer, last_at, windows, position';
    let rows: ThreadRow[];
    if (query.thread) {
      const { phoneNumberId, customer } = query.thread;
      rows = await this.reader.sql.all<ThreadRow>(`SELECT ${columns} FROM ${tables.threads} WHERE stream IN (?, ?) AND waba_id = ?`, [
        threadStream(query.wabaId, phoneNumberId, customer),
        legacyThreadStream(phoneNumberId, customer),
        query.wabaId,
      ]);
      if (!rows.length) throw notFound('THREAD_UNKNOWN', `no thread of ${query.thread.customer} on ${query.thread.phoneNumberId} in account ${query.wabaId}`, 'customer');
    } else {
      // A window open at `at` opened before it and either is still open at the thread's last event or the thread went on after `at`.
      rows = await this.reader.sql.all<ThreadRow>(
        `SELECT ${columns} FROM ${tables.threads} WHERE waba_id = ? AND first_at <= ? AND (open_until > ? OR last_at > ?) ORDER BY stream LIMIT ${MAX_THREADS}`,
        [query.wabaId, query.at, query.at, query.at],
      );
    }
    const threads: ThreadWindows[] = [];
    for (const row of rows) {
      const windows = await this.windowsAt(engine, account, row, query.at);
      if (query.thread || anyOpen(windows)) threads.push({ phoneNumberId: row.phone_number_id, customer: row.customer, windows });
    }
    return { ...at, wabaId: query.wabaId, at: new Date(query.at).toISOString(), threads };
  }

  /** After the thread's last event only expiry changes its windows; before it, the thread is folded up to `at`. */
  private async windowsAt(engine: EngineState, account: AccountContext, row: ThreadRow, at: number): Promise<Windows> {
    if (at >= Number(row.last_at) && row.windows !== '{}') return windowsLater(JSON.parse(row.windows) as Windows, at);
    const history = await threadHistory(this.reader.store, row.stream, parsePosition(row.position));
    return foldThread(history, account, engine.engine, { until: at }).windows;
  }
}
