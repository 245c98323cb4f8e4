import { AUTH_INTERNATIONAL_FROM } from './auth-international.js';
import type { Policy } from './policy.js';

export const eraC: Policy = {
  era: 'C',
  name: 'conversations by category',
  version: 'C.1',
  model: 'conversation_by_category',
  from: '2023-06-01',
  to: '2025-06-30',
  customerServiceWindowHours: 24,
  conversationHours: 24,
  freeEntryPoint: { replyWithinHours: 24, lengthHours: [{ from: '2023-06-01', hours: 72 }] },
  freeTier: { allowance: 1000, per: 'waba', categories: ['service'], until: '2024-10-31' },
  freeServiceFrom: '2024-11-01',
  rateCardAt: 'opened',
  authInternationalFrom: AUTH_INTERNATIONAL_FROM,
};
