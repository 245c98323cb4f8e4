import { hash } from 'node:crypto';
import { RecordedEvent } from './event-store.port.js';
import type { EventStore, StoredEvent, StreamHead } from './event-store.port.js';
import type { Position } from './position.js';
import type { EncodedEvent } from './event-store.validation.js';

/** What the first event of a stream links to. */
export const GENESIS = 'genesis';
/** What the first chained event of a stream links to when events recorded before chains existed precede it. */
export const UNCHAINED = 'unchained';

/**
 * An event's link in its stream's chain: the hash of the link before it with everything the
 * event is (stream, revision, id, type, and data and metadata exactly as stored, so `recordedAt`,
 * `actor` and `source` too). Editing, inserting, deleting or reordering an event breaks the links
 * from there on, whether or not the change moves money.
 */
export function chainOf(previous: string, stream: string, revision: number, event: EncodedEvent): string {
  return sha256(`${previous}\n${stream}\n${revision}\n${event.id}\n${event.type}\n${event.data}\n${event.metadata}\n`);
}

/** The link an append continues from: the stream's head link, genesis for a new stream, or `unchained` after older events without one. */
export const linkAfter = (revision: number, head: string | null | undefined): string => (revision < 0 ? GENESIS : (head ?? UNCHAINED));

export type ChainBreakKind = 'edited' | 'broken' | 'missing' | 'unlinked';

export interface ChainBreak {
  readonly stream: string;
  /** The first revision where the stored chain and the events part. */
  readonly revision: number;
  /**
   * `edited`: the event's content no longer gives its own link while the next event still links
   * to it (its data, type, id or metadata changed in place); `broken`: its link does not follow
   * from the one before (an event inserted, deleted, reordered, or a link forged); `missing`:
   * revisions are skipped (events deleted); `unlinked`: a chained stream holds an event whose
   * link was erased.
   */
  readonly kind: ChainBreakKind;
  readonly detail: string;
}

export interface ChainReport {
  readonly streams: number;
  readonly events: number;
  /** Events recorded before chains existed, at the start of their streams: nothing links them. */
  readonly unchained: number;
  readonly breaks: readonly ChainBreak[];
}

interface Chained {
  readonly stream: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly rawData: string;
  readonly rawMetadata: string;
  readonly chain: string | undefined;
}

/** Every stream's chain, stream by stream in name order (`readRange`): memory holds a page and one stream's last two events. */
export async function verifyChains(store: EventStore, onBreak?: (found: ChainBreak) => void): Promise<ChainReport> {
  const breaks: ChainBreak[] = [];
  let streams = 0;
  let events = 0;
  let unchained = 0;
  let current: StreamCheck | undefined;
  const report = (found: ChainBreak) => {
    breaks.push(found);
    onBreak?.(found);
  };
  let heads = new Map<string, StreamHead>();
  const end = async (check: StreamCheck | undefined) => {
    if (!check) return;
    await endStream(store, check, heads.get(check.stream), report);
    heads.delete(check.stream);
  };
  for await (const page of store.readRange('', '\u{10FFFF}', await store.lastPosition(), 2_000)) {
    const named = [...new Set(page.map((e) => e.stream))];
    heads = new Map([...heads, ...(await store.streamHeads(named))]);
    for (const event of page) {
      if (current?.stream !== event.stream) {
        await end(current);
        current = new StreamCheck(event.stream);
        streams += 1;
      }
      events += 1;
      if (current.add(raw(event), report)) unchained += 1;
    }
  }
  await end(current);
  return { streams, events, unchained, breaks };
}

/** Some streams' chains, each read whole: what an invoice's verification checks of the streams it was computed from. */
export async function verifyStreams(store: EventStore, streams: readonly string[]): Promise<ChainBreak[]> {
  const breaks: ChainBreak[] = [];
  const report = (found: ChainBreak) => breaks.push(found);
  const heads = await store.streamHeads(streams);
  for (const stream of streams) {
    const check = new StreamCheck(stream);
    for await (const event of store.readStream(stream)) check.add(raw(event), report);
    await endStream(store, check, heads.get(stream), report);
  }
  return breaks;
}

/** A stream's walk ends: its last event, and the head the store keeps apart from the events (PostgreSQL's `streams`). */
async function endStream(store: EventStore, check: StreamCheck, head: StreamHead | undefined, report: (found: ChainBreak) => void): Promise<void> {
  check.end(report);
  // A head past the last event read is a deletion, unless the events past it were appended since the walk began.
  if (head && head.revision >= check.expected && !(await newer(store, check.stream, check.expected))) {
    report({ stream: check.stream, revision: check.expected, kind: 'missing', detail: `the stream's record says revision ${head.revision}: its last events are not in the log` });
  } else if (head && head.revision === check.expected - 1 && head.link !== null && head.link !== check.last) {
    report({ stream: check.stream, revision: head.revision, kind: 'broken', detail: "the last event's link is not the stream's recorded head" });
  }
}

/** How many streams an invoice's basis digests, and the root of their heads. */
export interface LogDigest {
  readonly streams: number;
  readonly root: string;
}

/**
 * The streams an invoice was computed from, as they stood at its basis: each stream's head
 * (revision and link, which covers every event before it) is a leaf, in stream-name order, and
 * the leaves hash pairwise up to one root. An event edited, inserted, deleted or reordered at or
 * before the basis, or a stream added or dropped, gives another root. Anchors: Certificate
 * Transparency's tree, QLDB's journal digest.
 */
export async function logDigest(store: EventStore, streams: Iterable<string>, upTo: Position): Promise<LogDigest> {
  const names = [...new Set(streams)].sort();
  const heads = await store.headsAt(names, upTo);
  const leaves = names.flatMap((name) => {
    const head = heads.get(name);
    return head ? [sha256(`leaf\n${name}\n${head.revision}\n${head.link ?? UNCHAINED}`)] : [];
  });
  return { streams: leaves.length, root: merkleRoot(leaves) };
}

export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return sha256('empty');
  let level = leaves;
  while (level.length > 1) {
    const next: string[] = [];
    // An odd last node goes up as it is, as in Certificate Transparency.
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(`node\n${level[i]!}\n${level[i + 1]!}`) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/** The one-shot hash: a third cheaper than a Hash object on every append's link. */
const sha256 = (text: string): string => `sha256:${hash('sha256', text, 'hex')}`;

function raw(event: StoredEvent): Chained {
  const stored = event instanceof RecordedEvent ? event : undefined;
  return {
    stream: event.stream,
    revision: event.revision,
    id: event.id,
    type: event.type,
    rawData: stored?.rawData ?? JSON.stringify(event.data),
    rawMetadata: stored?.rawMetadata ?? JSON.stringify(event.metadata),
    chain: event.chain,
  };
}

async function newer(store: EventStore, stream: string, from: number): Promise<boolean> {
  for await (const _event of store.readStream(stream, { from, maxCount: 1 })) return true;
  return false;
}

const encoded = (e: Chained): EncodedEvent => ({ id: e.id, type: e.type, data: e.rawData, metadata: e.rawMetadata });

/** One stream's walk: a link that does not follow waits for the next event to tell an edit from a break. */
class StreamCheck {
  /** The revision the next event should have. */
  expected = 0;
  private link = GENESIS;
  private chained = false;
  private suspect: Chained | undefined;
  private broken = false;

  constructor(readonly stream: string) {}

  /** The stored link of the last event read. */
  get last(): string {
    return this.link;
  }

  /** Checks the next event; answers whether it is one recorded before chains existed. */
  add(event: Chained, report: (found: ChainBreak) => void): boolean {
    if (this.suspect) this.settle(event, report);
    if (event.revision !== this.expected && !this.broken) {
      report({ stream: this.stream, revision: this.expected, kind: 'missing', detail: `revisions ${this.expected} to ${event.revision - 1} are not in the log` });
      this.broken = true;
    }
    this.expected = event.revision + 1;
    if (event.chain === undefined) {
      if (this.chained && !this.broken) {
        report({ stream: this.stream, revision: event.revision, kind: 'unlinked', detail: 'the event has no link in a chained stream' });
        this.broken = true;
      }
      this.link = UNCHAINED;
      return !this.chained;
    }
    this.chained = true;
    if (!this.broken && chainOf(this.link, this.stream, event.revision, encoded(event)) !== event.chain) this.suspect = event;
    this.link = event.chain;
    return false;
  }

  /** The stream's last event may be the suspect: nothing after it tells an edit from a replacement. */
  end(report: (found: ChainBreak) => void): void {
    if (this.suspect) report({ stream: this.stream, revision: this.suspect.revision, kind: 'edited', detail: 'the last event no longer gives its own link: edited or replaced' });
  }

  private settle(next: Chained, report: (found: ChainBreak) => void): void {
    const suspect = this.suspect!;
    this.suspect = undefined;
    const nextLinks = next.chain !== undefined && chainOf(suspect.chain!, this.stream, next.revision, encoded(next)) === next.chain;
    report(
      nextLinks
        ? { stream: this.stream, revision: suspect.revision, kind: 'edited', detail: `the event ${suspect.id} no longer gives its own link, and the next still links to it: its content was changed` }
        : { stream: this.stream, revision: suspect.revision, kind: 'broken', detail: `the link of ${suspect.id} does not follow from the one before: an event inserted, deleted or reordered, or a link forged` },
    );
    this.broken = true;
  }
}
