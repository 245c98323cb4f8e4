import { AUTH_INTERNATIONAL_FROM } from './auth-international.js';
import type { Policy } from './policy.js';

export const eraD: Policy = {
  era: 'D',
  name: 'per-message pricing',
  version: 'D.1',
  model: 'per_message',
  from: '2025-07-01',
  to: '2026-09-30',
  customerServiceWindowHours: 24,
  callsOpenWindowFrom: '2025-07-01',
  freeEntryPoint: { replyWithinHours: 24, lengthHours: [{ from: '2025-07-01', hours: 72 }] },
  volumeTiers: { pool: 'portfolio', categories: ['utility', 'authentication', 'authentication_international'], countAs: { authentication_international: 'authentication' } },
  // Decision (PRICING.md): the card in force at the delivery instant.
  rateCardAt: 'delivered',
  chargeUtilityInWindow: false,
  chargeService: false,
  authInternationalFrom: AUTH_INTERNATIONAL_FROM,
  // C to D: a utility conversation opened before 2025-07-01 absorbs utility templates until it expires.
  carriesOpenConversations: ['utility'],
};
