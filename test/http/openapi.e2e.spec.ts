import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/ledger.config.js';
import { startApp } from '../support/app.js';
import type { Running } from '../support/app.js';

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly security?: unknown[];
  readonly responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
  readonly requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
}

interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string; description?: string }>; schemas: Record<string, { properties?: Record<string, { items?: Record<string, unknown> }> }> };
}

describe('the OpenAPI document at /docs/openapi.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-openapi-'));
  let running: Running;
  let doc: Document;
  const operations = (): [string, Operation][] => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]));

  before(async () => {
    running = await startApp(loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' }));
    doc = (await (await fetch(`${running.url}/docs/openapi.json`)).json()) as Document;
  });
  after(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every operation a summary, a description, a success response with a schema, and its errors with their codes', () => {
    assert.ok(operations().length >= 40, `${operations().length} operations`);
    const lacking: string[] = [];
    for (const [name, op] of operations()) {
      if (!op.summary?.trim()) lacking.push(`${name}: no summary`);
      if (!op.description?.trim()) lacking.push(`${name}: no description`);
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (!success.length) lacking.push(`${name}: no success response`);
      for (const [status, response] of success) {
        if (status !== '204' && !Object.values(response.content ?? {}).some((c) => c.schema && Object.keys(c.schema).length)) lacking.push(`${name}: ${status} has no schema`);
      }
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      if (!errors.length) lacking.push(`${name}: no documented error`);
      for (const [status, response] of errors) {
        const codes = (response.content?.['application/problem+json']?.schema?.properties as { code?: { enum?: string[] } } | undefined)?.code?.enum;
        if (!codes?.length) lacking.push(`${name}: ${status} names no code`);
      }
    }
    assert.deepEqual(lacking, []);
  });

  it("documents Meta's webhook as answered 200, never 201, and needing no key", () => {
    const receive = doc.paths['/webhooks/whatsapp']!.post!;
    assert.ok(receive.responses['200']);
    assert.equal(receive.responses['201'], undefined);
    assert.ok(receive.responses['401']?.description?.includes('SIGNATURE_INVALID'));
    assert.equal(receive.security, undefined);
  });

  it('types a batch item as one of the canonical commands, not a string', () => {
    const ref = doc.paths['/commands/batch']!.post!.requestBody!.content['application/json']!.schema!.$ref!;
    const items = doc.components.schemas[ref.split('/').pop()!]!.properties!.commands!.items!;
    assert.ok(Array.isArray(items.oneOf) && items.oneOf.length >= 8, JSON.stringify(items));
  });

  it('describes the keys as API keys sent as a Bearer token or X-API-Key, not as JWTs', () => {
    const schemes = Object.values(doc.components.securitySchemes);
    assert.ok(schemes.length >= 1);
    for (const scheme of schemes) {
      assert.notEqual(scheme.bearerFormat, 'JWT');
      assert.match(scheme.description ?? '', /API key/);
    }
    assert.ok(schemes.some((s) => s.type === 'apiKey'));
  });
});
