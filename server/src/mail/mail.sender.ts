import nodemailer from 'nodemailer';
import type { Deps } from '../context.js';
import type { MailOutboxRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import { type JobHandle, startPeriodicJob } from '../lib/jobs.js';
import { contentOf } from './mail.outbox.js';

/** One mail as it leaves. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: SMTP in production (see {@link smtpTransport}). */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** How long one send may take (connect, greeting, each exchange). */
const SMTP_TIMEOUT_MS = 20_000;
/** How long a claimed mail is held by its sender before another instance may take it. */
export const LEASE_MS = 2 * 60_000;
/** After this many failed attempts (about a day of backoff) a mail is given up. */
export const MAX_ATTEMPTS = 30;
/** The first retry waits this long; each further one twice as long, up to an hour. */
const RETRY_BASE_MS = 10_000;
const RETRY_MAX_MS = 3600_000;

/** A transport to GANTRY_SMTP_URL (smtp://, smtps://, credentials in the URL) by nodemailer. */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(mail) {
      await transporter.sendMail({ ...mail });
    },
    close: () => transporter.close(),
  };
}

/** How long after its `attempts`-th failure a mail is tried again. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(attempts - 1, 0), RETRY_MAX_MS);
}

/**
 * Claims the next due mail for `owner`: one conditional UPDATE, so of several instances (or
 * several runs) exactly one gets it; the claim lasts {@link LEASE_MS}, after which a mail whose
 * sender died is due again.
 */
async function claimNext(deps: Deps, owner: string, now: Date): Promise<MailOutboxRow | undefined> {
  const at = now.toISOString();
  return (
    deps.db
      .updateTable('mail_outbox')
      .set((eb) => ({
        lease_until: new Date(now.getTime() + LEASE_MS).toISOString(),
        lease_owner: owner,
        attempts: eb('attempts', '+', 1),
      }))
      .where(
        'id',
        '=',
        deps.db
          .selectFrom('mail_outbox as m')
          .select('m.id')
          .where('m.sent_at', 'is', null)
          .where('m.failed_at', 'is', null)
          .where('m.next_attempt_at', '<=', at)
          .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<=', at)]))
          .orderBy('m.next_attempt_at')
          .orderBy('m.id')
          .limit(1),
      )
      // Checked again on the row itself: a concurrent claim of the same row loses here.
      .where('sent_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', at)]))
      .returningAll()
      .executeTakeFirst()
  );
}

/** What one delivery run did. */
export interface DeliveryRun {
  sent: number;
  failed: number;
}

/**
 * Sends due mail from the outbox (at most `limit`), one claimed row at a time. A mail the
 * server refuses (or a server that is down) is retried with growing delays; its last error is
 * kept for the operator (`gantry mail list`); after {@link MAX_ATTEMPTS} it is given up.
 */
export async function deliverDueMail(
  deps: Deps,
  transport: MailTransport,
  owner: string = newId(),
  limit = 50,
): Promise<DeliveryRun> {
  const run: DeliveryRun = { sent: 0, failed: 0 };
  for (let i = 0; i < limit; i++) {
    const row = await claimNext(deps, owner, deps.clock.now());
    if (!row) break;
    const content = contentOf(deps, row);
    let error: string | null = null;
    if (content === null) {
      error = 'sealed under another GANTRY_SECRET';
    } else {
      try {
        await transport.send({
          from: deps.config.mailFrom,
          to: row.to_address,
          subject: row.subject,
          text: content.text,
          html: content.html,
        });
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
    }
    const now = deps.clock.now();
    const mine = deps.db
      .updateTable('mail_outbox')
      .where('id', '=', row.id)
      .where('lease_owner', '=', owner);
    if (error === null) {
      await mine.set({ sent_at: now.toISOString(), lease_until: null, last_error: null }).execute();
      run.sent += 1;
      continue;
    }
    run.failed += 1;
    const attempts = Number(row.attempts);
    deps.logger.warn({ mailId: row.id, attempts, err: error }, 'mail not sent; will retry');
    await mine
      .set({
        lease_until: null,
        last_error: error.slice(0, 500),
        next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts)).toISOString(),
        failed_at: attempts >= MAX_ATTEMPTS ? now.toISOString() : null,
      })
      .execute();
    // The server is likely down: the rest waits for the next run.
    break;
  }
  return run;
}

/** How often `gantry serve` looks for due mail. */
export const MAIL_INTERVAL_MS = 2000;

/** Starts the mail sender: every `intervalMs`, due mail goes out through `transport`. */
export function startMailSender(
  deps: Deps,
  transport: MailTransport,
  intervalMs = MAIL_INTERVAL_MS,
): JobHandle {
  const owner = newId();
  const job = startPeriodicJob(
    'mail sender',
    intervalMs,
    () => deliverDueMail(deps, transport, owner),
    deps.logger,
  );
  return {
    async stop() {
      await job.stop();
      transport.close();
    },
  };
}
