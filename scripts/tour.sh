#!/usr/bin/env bash
# The README's five-minute tour, pasted as written, on a fresh SQLite ledger in a temporary folder
# (after npm run build): the block under "By hand" runs line by line, on PORT (3999 by default)
# instead of 3000, and starts the built server instead of `npm start`, which would rebuild.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d)
PORT=${PORT:-3999}
export LEDGER_SQLITE_FILE="$DIR/data/ledger.db" PORT LEDGER_LOG_LEVEL=warn
node -e '
  const s = require("fs").readFileSync(process.argv[1], "utf8");
  const from = s.indexOf("```sh", s.indexOf("By hand:")) + 5;
  process.stdout.write(s.slice(from, s.indexOf("```", from)));
' "$ROOT/README.md" | sed -e "s/localhost:3000/localhost:$PORT/g" -e "s#^npm start &#node $ROOT/dist/src/main.js \& SERVER=\$!; trap 'kill \$SERVER 2>/dev/null' EXIT#" > "$DIR/tour.sh"
cd "$DIR"
ln -s "$ROOT/projections" projections
trap 'rm -rf "$DIR"' EXIT
bash -euo pipefail "$DIR/tour.sh"
echo
[ -s "$DIR/invoice.pdf" ] && echo "PDF: $(wc -c <"$DIR/invoice.pdf") bytes"
