import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { newId } from '../lib/ids.js';
import type { AuditContext } from './audit.events.js';
import { verifyAuditChain } from './audit.service.js';
import { computeEventHash, writeAuditEvent } from './audit.writer.js';

/** Text JSON must escape, and text outside the Basic Multilingual Plane. */
const AWKWARD = [
  'plain',
  'quote " backslash \\ slash /',
  'line\nbreak\ttab\rreturn',
  'bell \u0007 and escape \u001b',
  'ünïcödé — ✓ 日本語 🚀',
  '\u2028\u2029',
];
/**
 * Only in details, which are stored as JSON (escaped): a database text column holds neither a
 * NUL (PostgreSQL refuses it) nor a lone surrogate (not UTF-8), and HTTP headers, the source
 * of the other free-text fields, cannot carry them.
 */
const DETAILS_ONLY = ['nul \u0000 here', 'lone surrogate \ud800 here'];

describe.each(DIALECTS)('the audit chain append on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  it('hashes every field as the verifier does, whatever text the fields hold', async () => {
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const written = [];
    for (const [i, text] of AWKWARD.entries()) {
      const ctx: AuditContext = {
        actor: { type: 'user', id: user.user.id, userId: user.user.id, email: `${text}@x` },
        ip: i % 2 === 0 ? null : '2001:db8::1',
        userAgent: text,
        requestId: i % 3 === 0 ? null : `req-${i}`,
      };
      const row = await gantry.deps.db.transaction().execute((trx) =>
        writeAuditEvent(trx, ctx, new Date(Date.UTC(2026, 5, 1, 0, 0, i)), {
          accountId,
          action: 'billing.update',
          resource: { type: 'billing', id: i % 2 === 0 ? newId() : null },
          details: {
            before: { text, n: i },
            after: { nested: { list: [text, null, true] }, odd: DETAILS_ONLY },
          },
        }),
      );
      // The row handed back is the stored one, and its hash is the one JavaScript computes.
      expect(row.hash).toBe(computeEventHash(row));
      written.push(row);
    }
    const stored = await auditEvents(gantry, accountId);
    for (const row of written) {
      const same = stored.find((e) => e.id === row.id);
      expect(same).toMatchObject({
        seq: row.seq,
        time: row.time,
        hash: row.hash,
        prev_hash: row.prev_hash,
      });
    }
    // Linked: each event's previous hash is the one before it.
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.prev_hash).toBe(stored[i - 1]!.hash);
    expect(await verifyAuditChain(gantry.deps.db, accountId, 3)).toMatchObject({
      ok: true,
      checked: stored.length,
    });
  });

  it('starts a new account chain at seq 1 from the genesis hash, and never goes back in time', async () => {
    const accountId = (await signUp(gantry.app)).account.id;
    // An account without events yet: the one written by sign-up are removed, head and all.
    await gantry.deps.db.deleteFrom('audit_events').where('account_id', '=', accountId).execute();
    await gantry.deps.db
      .deleteFrom('audit_chain_heads')
      .where('account_id', '=', accountId)
      .execute();
    const ctx: AuditContext = {
      actor: { type: 'system', id: null, userId: null, email: null },
      ip: null,
      userAgent: null,
      requestId: null,
    };
    const write = (at: string) =>
      gantry.deps.db.transaction().execute((trx) =>
        writeAuditEvent(trx, ctx, new Date(at), {
          accountId,
          action: 'billing.update',
          resource: { type: 'billing', id: null },
          details: { before: {}, after: {} },
        }),
      );
    const first = await write('2026-06-02T00:00:00.000Z');
    expect(first).toMatchObject({ seq: 1, prev_hash: '0'.repeat(64) });
    // A writer whose clock is behind records the head's time, not its own.
    const second = await write('2026-06-01T00:00:00.000Z');
    expect(second).toMatchObject({ seq: 2, time: first.time, prev_hash: first.hash });
    const third = await write('2026-06-03T00:00:00.000Z');
    expect(third).toMatchObject({ seq: 3, time: '2026-06-03T00:00:00.000Z' });
    expect(await verifyAuditChain(gantry.deps.db, accountId)).toMatchObject({
      ok: true,
      checked: 3,
    });
  });
});
