#!/usr/bin/env bash
# The README's five-minute tour, end to end, on a fresh SQLite ledger in a temporary folder:
# bash scripts/tour.sh (after npm run build). Each step prints what the ledger answered.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(mktemp -d)
export LEDGER_SQLITE_FILE="$DIR/ledger.db" LEDGER_ADMIN_KEY=admin-secret LEDGER_META_APP_SECRET=app-secret PORT=${PORT:-3999} LEDGER_LOG_LEVEL=warn
URL="http://127.0.0.1:$PORT"
node dist/src/main.js & SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
until curl -sf "$URL/health" >/dev/null; do sleep 0.2; done
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(process.argv[1].split(".").reduce((o,k)=>o[k],v))})' "$1"; }
say() { printf '\n== %s\n' "$*"; }

say 1. a key for the billing team, from the admin key
KEY=$(curl -sf -XPOST "$URL/api-keys" -H "Authorization: Bearer $LEDGER_ADMIN_KEY" -H 'content-type: application/json' -d '{"roles":["billing"],"label":"tour"}' | json key)
echo "key: ${KEY:0:8}..."
AUTH=(-H "Authorization: Bearer $KEY")

say 2. "Meta's rate card, an account (WABA) and its number"
curl -sf -XPOST "$URL/rate-cards/csv?rateCardId=meta-USD&currency=USD" "${AUTH[@]}" -H 'content-type: text/csv' --data-binary @projections/data/meta-usd-2025-10.csv; echo
curl -sf -XPOST "$URL/accounts" "${AUTH[@]}" -H 'content-type: application/json' -d '{"wabaId":"102290129340398","portfolioId":"bp-1","timezone":"America/Sao_Paulo","currency":"USD"}'; echo
curl -sf -XPOST "$URL/phone-numbers" "${AUTH[@]}" -H 'content-type: application/json' -d '{"wabaId":"102290129340398","phoneNumberId":"106540352242922"}'; echo

say 3. "Meta's signed webhook: a marketing template delivered in Brazil on 2025-10-06"
BODY='{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.tour1","status":"delivered","timestamp":"1759741200","recipient_id":"5511987654321","pricing":{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular"}}]}}]}]}'
SIG=$(printf %s "$BODY" | openssl dgst -sha256 -hmac "$LEDGER_META_APP_SECRET" | sed 's/^.* //')
PAYLOAD=$(curl -sf -XPOST "$URL/webhooks/whatsapp" -H "X-Hub-Signature-256: sha256=$SIG" -H 'content-type: application/json' -d "$BODY" | json payload)
until [ "$(curl -sf "${AUTH[@]}" "$URL/webhooks/payloads/$PAYLOAD" | json status)" = processed ]; do sleep 0.2; done
curl -sf "${AUTH[@]}" "$URL/webhooks/payloads/$PAYLOAD"; echo

say 4. "the month's draft"
until [ "$(curl -sf "${AUTH[@]}" "$URL/accounts/102290129340398/drafts?period=2025-10" | json draft.total)" != 0.00 ]; do sleep 0.2; done
curl -sf "${AUTH[@]}" "$URL/accounts/102290129340398/drafts?period=2025-10" | json draft.lines.0 | head -20
echo "total: $(curl -sf "${AUTH[@]}" "$URL/accounts/102290129340398/drafts?period=2025-10" | json draft.total)"

say 5. the invoice, issued and exported
curl -sf -XPOST "$URL/invoices" "${AUTH[@]}" -H 'content-type: application/json' -d '{"wabaId":"102290129340398","period":"2025-10"}' | json invoice.hash
curl -sf "${AUTH[@]}" "$URL/invoices/102290129340398.2025-10?format=csv"
curl -sf "${AUTH[@]}" "$URL/invoices/102290129340398.2025-10?format=pdf" -o "$DIR/invoice.pdf" && echo "PDF: $(wc -c <"$DIR/invoice.pdf") bytes"
curl -sf "${AUTH[@]}" "$URL/audit/invoices/102290129340398.2025-10/verify" | json match
