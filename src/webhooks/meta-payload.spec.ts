import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LedgerError } from '../common/ledger-error.js';
import { readPayload } from './meta-payload.js';

const samples = new URL('../../../../shared/data/webhooks/', import.meta.url);
const sample = (name: string): unknown => JSON.parse(readFileSync(new URL(name, samples), 'utf8'));

describe("Meta's webhook payloads as commands", () => {
  it('turns an inbound message from a Click-to-WhatsApp ad into MessageReceived with its referral', () => {
    const [item] = readPayload(sample('inbound-text-ctwa-referral.json'));
    assert.ok(item && 'command' in item);
    const { ctwaClid, ...referral } = item.command.referral as { ctwaClid: string };
    assert.match(ctwaClid, /^Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iTROpBhWAGaIAeUzHL50$/);
    assert.deepEqual(
      { ...item.command, referral },
      {
        type: 'MessageReceived',
        wabaId: '102290129340398',
        phoneNumberId: '106540352242922',
        customer: '16505551234',
        messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA=',
        timestamp: '2025-06-18T19:46:32.000Z',
        kind: 'text',
        referral: { sourceType: 'ad', sourceId: '120226305854810726' },
      },
    );
  });

  it("keeps Meta's stated pricing on a delivered status, and the error codes of a failed one", () => {
    const [delivered] = readPayload(sample('pmp-delivered-free-customer-service-utility.json'));
    assert.ok(delivered && 'command' in delivered);
    assert.equal(delivered.command.type, 'MessageDelivered');
    assert.deepEqual(delivered.command.stated, { pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' } });
    const [failed] = readPayload(sample('pmp-failed-131049.json'));
    assert.ok(failed && 'command' in failed);
    assert.equal(failed.command.type, 'MessageFailed');
    assert.deepEqual(failed.command.errors, [{ code: 131049, title: 'This message was not delivered to maintain healthy ecosystem engagement.' }]);
  });

  it("turns Meta's authentication-international eligibility into a settings change dated by its earliest start time", () => {
    const [item] = readPayload(sample('account-update-auth-intl-eligibility.json'));
    assert.ok(item && 'command' in item);
    assert.deepEqual(item.command, {
      type: 'AccountSettingsChanged',
      wabaId: '102290129340398',
      authInternational: { startTime: '2024-08-01T00:00:00.000Z', countries: { ID: '2024-09-01T00:00:00.000Z' } },
      reason: 'Meta account_update AUTH_INTL_PRICE_ELIGIBILITY_UPDATE',
    });
    assert.equal(item.dateAt, '2024-08-01T00:00:00.000Z');
  });

  it("turns Meta's primary-location update into a verified primary location from the entry's time", () => {
    const [item] = readPayload(sample('account-update-primary-location.json'));
    assert.ok(item && 'command' in item);
    assert.deepEqual(item.command, {
      type: 'AccountSettingsChanged',
      wabaId: '102290129340398',
      primaryLocation: 'BR',
      primaryLocationVerified: true,
      reason: 'Meta account_update BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE',
    });
    assert.equal(item.dateAt, '2024-06-01T00:00:00.000Z');
  });

  it('ignores sent statuses and the volume-tier update with a reason, and reads every sample without failing', () => {
    const reasons = readdirSync(samples)
      .sort()
      .flatMap((name) => readPayload(sample(name)))
      .filter((item) => 'ignored' in item)
      .map((item) => ('ignored' in item ? item.ignored.split(':')[0] : ''));
    assert.deepEqual(reasons, ['account_update "VOLUME_BASED_PRICING_TIER_UPDATE" changes nothing the ledger charges (volume tiers are counted from the ledger\'s own units)', 'a sent status', 'a sent status', 'a sent status']);
  });

  it('refuses a payload that is not a WhatsApp Business Account webhook, naming the field', () => {
    assert.throws(
      () => readPayload({ object: 'page', entry: [] }),
      (error: unknown) => error instanceof LedgerError && error.code === 'WEBHOOK_MALFORMED' && error.field === 'object',
    );
    assert.throws(
      () => readPayload({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { metadata: { phone_number_id: 'p' }, statuses: [{ status: 'delivered', timestamp: 'soon', id: 'x', recipient_id: '1' }] } }] }] }),
      (error: unknown) => error instanceof LedgerError && error.field === 'entry[0].changes[0].value.statuses[0].timestamp',
    );
  });
});
