import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import type { InvoiceDraft } from '../rating/rating.projection.js';

/**
 * The canonical text of a draft: sorted keys at every depth, lines in canonical order. Unit ids,
 * listed only when rated with provenance, and lines' spans stay out: the draft's `units`
 * fingerprint stands for them.
 */
export function canonicalDraft(draft: InvoiceDraft): string {
  const unlisted = <T extends { unitIds?: unknown; span?: unknown }>({ unitIds: _unitIds, span: _span, ...rest }: T) => rest;
  return canonicalJson({ ...draft, lines: draft.lines.map(unlisted), unpriced: draft.unpriced.map(unlisted) });
}

/** sha256 of the canonical text: same events, cards and engine version, same hash. */
export function draftHash(draft: InvoiceDraft): string {
  return `sha256:${createHash('sha256').update(canonicalDraft(draft)).digest('hex')}`;
}

/** sha256 of a document's canonical form, its own `documentHash` left out: what seals an issued or revised invoice. */
export function documentHash<T extends { readonly documentHash?: string }>(document: T): string {
  const { documentHash: _sealed, ...content } = document;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

export function sealed<T extends { readonly documentHash?: string }>(document: T): T {
  return { ...document, documentHash: documentHash(document) };
}
