import type { Policy } from './policy.js';

export const eraB: Policy = {
  era: 'B',
  name: 'conversation-based pricing v1',
  version: 'B.1',
  model: 'conversation_v1',
  from: '2022-02-01',
  to: '2023-05-31',
  customerServiceWindowHours: 24,
  conversationHours: 24,
  // Decision (PRICING.md): 24 h before 2023-03-01, 72 h from then on.
  freeEntryPoint: {
    replyWithinHours: 24,
    lengthHours: [
      { from: '2022-02-01', hours: 24 },
      { from: '2023-03-01', hours: 72 },
    ],
  },
  freeTier: { allowance: 1000, per: 'waba', categories: 'all' },
  rateCardAt: 'opened',
};
