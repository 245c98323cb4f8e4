import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import type { InvoiceDraft } from '../rating/rating.projection.js';

/** The canonical text of a draft: sorted keys at every depth, lines in canonical order. */
export function canonicalDraft(draft: InvoiceDraft): string {
  return canonicalJson(draft);
}

/** sha256 of the canonical text: same events, cards and engine version, same hash. */
export function draftHash(draft: InvoiceDraft): string {
  return `sha256:${createHash('sha256').update(canonicalDraft(draft)).digest('hex')}`;
}
