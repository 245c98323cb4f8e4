/** The ledger's clock, injected so that nothing below the edge reads the time itself. */
export const CLOCK = Symbol('CLOCK');

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
