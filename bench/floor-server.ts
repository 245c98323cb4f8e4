import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import Database from 'better-sqlite3';

/**
 * The least a webhook ingest can do, for bench:floor: check the signature, parse the body,
 * append one row per status with a durable group commit (WAL, synchronous=FULL, one commit per
 * event-loop turn), answer 200. No framework, no validation, no expected revision, no runner:
 * the ledger's server does all of that on top.
 */
const secret = process.env.FLOOR_SECRET!;
const db = new Database(process.env.FLOOR_FILE);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, data TEXT NOT NULL)');
const insert = db.prepare('INSERT OR IGNORE INTO events (id, stream, data) VALUES (?, ?, ?)');

let rows: [id: string, stream: string, data: string][] = [];
let replies: ServerResponse[] = [];
const commit = db.transaction((group: typeof rows) => {
  for (const row of group) insert.run(...row);
});
function flush(): void {
  const group = rows;
  const waiting = replies;
  rows = [];
  replies = [];
  commit(group);
  for (const reply of waiting) reply.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
}

interface Status {
  readonly id: string;
  readonly recipient_id: string;
}

createServer((request, reply) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const given = Buffer.from(String(request.headers['x-hub-signature-256']));
    if (request.url !== '/webhooks/whatsapp' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.writeHead(401).end();
      return;
    }
    const payload = JSON.parse(body.toString('utf8')) as { entry: { changes: { value: { metadata: { phone_number_id: string }; statuses: Status[] } }[] }[] };
    for (const { changes } of payload.entry) {
      for (const { value } of changes) {
        for (const status of value.statuses) rows.push([status.id, `thread-${value.metadata.phone_number_id}.${status.recipient_id}`, JSON.stringify(status)]);
      }
    }
    if (replies.length === 0) setImmediate(flush);
    replies.push(reply);
  });
}).listen(Number(process.env.PORT));
