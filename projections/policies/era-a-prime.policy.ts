import type { Policy } from './policy.js';

/** The Mexico pilot: 24 h business sessions for +52 customers; everything inside is free. */
export const eraAPrime: Policy = {
  era: "A'",
  name: 'Mexico business-session pilot',
  version: "A'.1",
  model: 'business_session',
  from: '2021-02-01',
  to: '2022-01-31',
  countries: ['MX'],
  customerServiceWindowHours: 24,
  conversationHours: 24,
  rateCardAt: 'opened',
};
