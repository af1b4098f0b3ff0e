import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses } from '../http/schemas.js';
import {
  AuditActorsResponse,
  AuditExportQuery,
  AuditPageSchema,
  AuditQuery,
  AuditSettingsBody,
  AuditSettingsSchema,
  VerifyResponse,
} from './audit.schemas.js';
import {
  exportAuditEvents,
  getAuditSettings,
  listAuditActors,
  listAuditEvents,
  updateAuditSettings,
  verifyAuditLog,
} from './audit.service.js';

const tags = ['audit'];

export const auditRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts/:accountId/audit-logs',
      {
        schema: {
          operationId: 'listAuditEvents',
          description:
            "The account's audit events, newest first, filtered by user, action, resource, outcome and time range, and paged with `cursor`. Needs `audit.view` (Admin).",
          tags,
          summary: "The account's audit log, newest first, filtered and paged (Admin)",
          params: AccountParams,
          querystring: AuditQuery,
          response: {
            200: answer('A page of audit events', AuditPageSchema),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        listAuditEvents(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.get(
      '/accounts/:accountId/audit-logs/export',
      {
        schema: {
          operationId: 'exportAuditEvents',
          description:
            'Every audit event that matches the filters, streamed as CSV (with a header row) or JSON Lines (`format`), as a file to download. The export itself is audited. Needs `audit.view` (Admin). Errors are answered as JSON before the stream starts.',
          tags,
          summary: 'Download the filtered audit log as CSV or JSON Lines, streamed (Admin)',
          params: AccountParams,
          querystring: AuditExportQuery,
          produces: ['text/csv', 'application/x-ndjson'],
          response: {
            200: answer(
              'The events as CSV or JSON Lines, as an attachment',
              Type.Unsafe<Readable>(
                Type.String({ description: 'CSV (with a header row) or JSON Lines' }),
              ),
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const result = await exportAuditEvents(
          deps,
          callerOf(request),
          request.params.accountId,
          request.query,
        );
        reply
          .header('content-type', result.contentType)
          .header('content-disposition', `attachment; filename="${result.filename}"`);
        return reply.send(result.stream);
      },
    );

    app.get(
      '/accounts/:accountId/audit-logs/verify',
      {
        schema: {
          operationId: 'verifyAuditLog',
          description:
            "Recomputes the account's audit hash chain from the first event and reports whether it is intact, or the first event where it breaks. Needs `audit.view` (Admin).",
          tags,
          summary: "Verify the account's audit hash chain; reports the first broken link (Admin)",
          params: AccountParams,
          response: {
            200: answer('Whether the chain is intact, and where it breaks', VerifyResponse),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => verifyAuditLog(deps, callerOf(request), request.params.accountId),
    );

    app.get(
      '/accounts/:accountId/audit-logs/actors',
      {
        schema: {
          operationId: 'listAuditActors',
          description:
            "The users who appear as actors in the account's audit log, former members included, to filter the log by user. Needs `audit.view` (Admin).",
          tags,
          summary: 'Current and former members who appear in the audit log, for the user filter',
          params: AccountParams,
          response: {
            200: answer('The users who appear in the audit log', AuditActorsResponse),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => ({
        items: await listAuditActors(deps, callerOf(request), request.params.accountId),
        nextCursor: null,
      }),
    );

    app.get(
      '/accounts/:accountId/audit-logs/settings',
      {
        schema: {
          operationId: 'getAuditSettings',
          description:
            'How long the account keeps its audit events (null: forever). Needs `audit.view` (Admin).',
          tags,
          summary: 'Audit log retention',
          params: AccountParams,
          response: {
            200: answer('The retention setting', AuditSettingsSchema),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => getAuditSettings(deps, callerOf(request), request.params.accountId),
    );

    app.patch(
      '/accounts/:accountId/audit-logs/settings',
      {
        schema: {
          operationId: 'updateAuditSettings',
          description:
            'Sets how many days audit events are kept before they are pruned, or null to keep them forever. Needs `settings.manage`; the change is audited.',
          tags,
          summary:
            'Set audit log retention in days (null keeps events forever); a shorter one applies after 7 days',
          params: AccountParams,
          body: AuditSettingsBody,
          response: {
            200: answer('The new retention setting', AuditSettingsSchema),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        updateAuditSettings(deps, callerOf(request), request.params.accountId, request.body),
    );
  };
