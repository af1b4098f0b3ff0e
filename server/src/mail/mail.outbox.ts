import type { Deps } from '../context.js';
import type { Executor } from '../db/database.js';
import type { MailOutboxRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import { seal, unseal } from '../lib/secrets.js';
import type { MailContent } from './mail.templates.js';

/** What caused a mail. */
export type MailKind = 'verify_email' | 'password_reset' | 'invite' | 'security' | 'low_balance';

/** The purpose mail content is sealed under (its links are secrets until used). */
const SEAL_PURPOSE = 'mail';

/** True when mail is sent (GANTRY_SMTP_URL); without it the outbox only keeps it. */
export function mailConfigured(deps: Deps): boolean {
  return deps.config.smtpUrl !== undefined;
}

/**
 * Puts a mail into the durable outbox in `trx`, the transaction of the change that causes it:
 * the mail exists exactly when the change does. The sender (`gantry serve` with SMTP) delivers
 * it; returns its id.
 */
export async function enqueueMail(
  deps: Deps,
  trx: Executor,
  kind: MailKind,
  to: string,
  content: MailContent,
): Promise<string> {
  const now = deps.clock.now().toISOString();
  const id = newId();
  await trx
    .insertInto('mail_outbox')
    .values({
      id,
      kind,
      to_address: to,
      subject: content.subject,
      content_sealed: seal(
        deps.config.secret,
        SEAL_PURPOSE,
        JSON.stringify({ text: content.text, html: content.html }),
      ),
      created_at: now,
      next_attempt_at: now,
      lease_until: null,
      lease_owner: null,
      last_error: null,
      sent_at: null,
      failed_at: null,
    })
    .execute();
  return id;
}

/** A mail's text and HTML parts, unsealed; null when sealed under another secret. */
export function contentOf(deps: Deps, row: MailOutboxRow): { text: string; html: string } | null {
  const json = unseal(deps.config.secret, SEAL_PURPOSE, row.content_sealed);
  if (json === null) return null;
  return JSON.parse(json) as { text: string; html: string };
}

/** The outbox, newest first (`limit` rows). */
export function listOutbox(db: Executor, limit: number): Promise<MailOutboxRow[]> {
  return db
    .selectFrom('mail_outbox')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** One mail of the outbox. */
export function findOutboxMail(db: Executor, id: string): Promise<MailOutboxRow | undefined> {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}
