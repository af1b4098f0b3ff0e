import type { Deps } from '../context.js';

/** The product's name, as every mail says it. */
export const PRODUCT_NAME = 'Gantry';

/** A mail's content before it goes into the outbox: a plain-text and an HTML part. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** What a mail says: paragraphs, and at most one link to act on. */
export interface MailMessage {
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Said after the link, e.g. how long it works. */
  after?: string[];
}

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Renders a message as a mail with both parts, signed with the product's name and its public
 * URL. Nothing in it is a password or a long-lived secret: links carry single-use tokens.
 */
export function renderMail(deps: Deps, message: MailMessage): MailContent {
  const publicUrl = deps.config.publicUrl;
  const after = message.after ?? [];
  const textParts = [...message.paragraphs];
  if (message.action) textParts.push(`${message.action.label}:\n${message.action.url}`);
  textParts.push(...after);
  textParts.push(`— ${PRODUCT_NAME}, ${publicUrl}`);
  const p = (text: string) => `<p>${escapeHtml(text)}</p>`;
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    ...message.paragraphs.map(p),
    message.action
      ? `<p><a href="${escapeHtml(message.action.url)}">${escapeHtml(message.action.label)}</a></p>` +
        `<p style="color:#666">${escapeHtml(message.action.url)}</p>`
      : '',
    ...after.map(p),
    `<p style="color:#666">— ${escapeHtml(PRODUCT_NAME)}, <a href="${escapeHtml(publicUrl)}">${escapeHtml(publicUrl)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return {
    subject: `${PRODUCT_NAME}: ${message.subject}`,
    text: `${textParts.join('\n\n')}\n`,
    html,
  };
}
