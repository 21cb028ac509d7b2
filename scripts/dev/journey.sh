#!/usr/bin/env bash
# The five-minute journey of README "Try it in five minutes", against a
# running `make demo`: submit the demo product, watch it with a target
# price, drop the price in the demo shop, re-check, see the email, follow
# its one-click unsubscribe link, and see the watch show it. Prints every
# command and what it answered; exits non-zero at the first step that does
# not do what it should. `make test` runs it (cmd/ddokso TestDemoJourney).
set -euo pipefail
ddokso=${DDOKSO_BIN:-bin/ddokso}
api=${API:-http://127.0.0.1:8080}
shop=${SHOP:-http://127.0.0.1:8765}
email=${EMAIL:-you@example.com}
sku=${SKU:-DS-RUN-42}
admin_key=${DDOKSO_API_ADMIN_KEY:-$(sed -n 's/^DDOKSO_API_ADMIN_KEY=//p' .dev.env 2>/dev/null)}

step() { printf '\n$ %s\n' "$*"; }
fail() { echo "journey: FAILED: $*" >&2; exit 1; }

step "ddokso dev token --email $email"
token=$("$ddokso" dev token --email "$email")
echo "${token:0:24}…"
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

step "curl -X POST $api/api/v1/scrapes -d '{\"url\":\"$shop/products/$sku\"}'"
scrape=$(curl -fsS -X POST "${auth[@]}" "$api/api/v1/scrapes" -d "{\"url\":\"$shop/products/$sku\"}")
echo "$scrape"
scrape_id=$(jq -r .id <<<"$scrape")

step "curl '$api/api/v1/scrapes/$scrape_id?wait=20s'"
done_scrape=$(curl -fsS "${auth[@]}" "$api/api/v1/scrapes/$scrape_id?wait=20s")
jq -c '{status, product: {id: .product.id, title: .product.title, price: .product.price, availability: .product.availability}}' <<<"$done_scrape"
[ "$(jq -r .status <<<"$done_scrape")" = "done" ] || fail "the scrape did not finish: $done_scrape"
product_id=$(jq -r .product.id <<<"$done_scrape")

step "curl -X POST $api/api/v1/me/watches -d '{\"product_id\":$product_id,\"rule\":\"target\",\"target_price\":\"13000\",\"channels\":[\"email\"]}'"
watch=$(curl -fsS -X POST "${auth[@]}" "$api/api/v1/me/watches" \
  -d "{\"product_id\":$product_id,\"rule\":\"target\",\"target_price\":\"13000\",\"channels\":[\"email\"]}")
jq -c '{id, rule, target_price, channels, channel_states, active}' <<<"$watch"
watch_id=$(jq -r .id <<<"$watch")

step "ddokso dev set-price $sku 12900"
"$ddokso" dev set-price --shop "$shop" "$sku" 12900

step "curl -X POST -H 'X-Admin-Key: …' $api/api/v1/admin/products/$product_id/rescrape"
curl -fsS -X POST -H "X-Admin-Key: $admin_key" -H 'Content-Type: application/json' "$api/api/v1/admin/products/$product_id/rescrape"
echo

step "ddokso dev mail --to $email"
mail=""
for _ in $(seq 1 120); do
  mail=$("$ddokso" dev mail --to "$email")
  grep -q '^Subject: ' <<<"$mail" && break
  sleep 0.5
done
echo "$mail"
grep -q '^Subject: .*12,900원' <<<"$mail" || fail "no price-drop mail quoting 12,900원"
unsubscribe=$(sed -n 's/^Unsubscribe: //p' <<<"$mail" | head -1)
[ -n "$unsubscribe" ] || fail "the mail has no unsubscribe link"

step "curl -X POST '<the mail's Unsubscribe link>' -d List-Unsubscribe=One-Click"
curl -fsS -X POST "$unsubscribe" -H 'Content-Type: application/x-www-form-urlencoded' -d 'List-Unsubscribe=One-Click' -o /dev/null -w 'HTTP %{http_code}\n'

step "curl $api/api/v1/me/watches/$watch_id"
after=$(curl -fsS "${auth[@]}" "$api/api/v1/me/watches/$watch_id")
jq -c '{id, channels, channel_states, active, last_alert_at}' <<<"$after"
state=$(jq -r '.channel_states.email.state // empty' <<<"$after")
[ "$state" = unsubscribed ] || fail "the watch does not show the email channel unsubscribed: $after"
echo
echo "journey: OK"
