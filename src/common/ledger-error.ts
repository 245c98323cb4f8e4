/** One failing field of a refused request. */
export interface FieldError {
  readonly field: string;
  /** The rule it broke (`isInstant`, `isBillingCurrency`, ...). */
  readonly code: string;
  readonly detail: string;
}

/**
 * A refusal the caller can act on. The `code` is stable (clients branch on it); the HTTP status
 * and the failing field travel with it so one filter can write problem+json for every error.
 * A validation refusal lists every failing field in `errors`, the first of them in `field`.
 */
export class LedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly field?: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export const notFound = (code: string, message: string, field?: string) => new LedgerError(code, message, 404, field);
