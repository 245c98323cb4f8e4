import type { Policy } from './policy.js';

/** Notification pricing: each delivered template outside the 24 h customer care window. */
export const eraA: Policy = {
  era: 'A',
  name: 'notification pricing',
  version: 'A.1',
  model: 'notification',
  from: '2018-08-01',
  to: '2022-01-31',
  customerServiceWindowHours: 24,
  rateCardAt: 'sent',
  maxDeliveryDelayHours: 30 * 24,
  volumeTiers: { pool: 'waba', categories: ['template'] },
};
