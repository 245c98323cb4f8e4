import { AUTH_INTERNATIONAL_FROM } from './auth-international.js';
import amendable from './era-e.json' with { type: 'json' };
import type { Policy } from './policy.js';

/** Its parameters live in era-e.json: Meta amends this era by announcement, and an amendment is a data change. */
export const eraE: Policy = { ...(amendable as Omit<Policy, 'authInternationalFrom'>), authInternationalFrom: AUTH_INTERNATIONAL_FROM };
