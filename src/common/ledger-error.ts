/**
 * A refusal the caller can act on. The `code` is stable (clients branch on it); the HTTP status
 * and the failing field travel with it so one filter can write problem+json for every error.
 */
export class LedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export const notFound = (code: string, message: string, field?: string) => new LedgerError(code, message, 404, field);
