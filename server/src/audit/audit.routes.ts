import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, errorResponses } from '../http/schemas.js';
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
          tags,
          summary: "The account's audit log, newest first, filtered and paged (Admin)",
          params: AccountParams,
          querystring: AuditQuery,
          response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        listAuditEvents(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.get(
      '/accounts/:accountId/audit-logs/export',
      {
        schema: {
          tags,
          summary: 'Download the filtered audit log as CSV or JSON Lines, streamed (Admin)',
          params: AccountParams,
          querystring: AuditExportQuery,
          produces: ['text/csv', 'application/x-ndjson'],
          response: {
            200: Type.Unsafe<Readable>(
              Type.String({ description: 'CSV (with a header row) or JSON Lines' }),
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
          tags,
          summary: "Verify the account's audit hash chain; reports the first broken link (Admin)",
          params: AccountParams,
          response: { 200: VerifyResponse, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => verifyAuditLog(deps, callerOf(request), request.params.accountId),
    );

    app.get(
      '/accounts/:accountId/audit-logs/actors',
      {
        schema: {
          tags,
          summary: 'Current and former members who appear in the audit log, for the user filter',
          params: AccountParams,
          response: { 200: AuditActorsResponse, ...errorResponses(400, 401, 403, 404) },
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
          tags,
          summary: 'Audit log retention',
          params: AccountParams,
          response: { 200: AuditSettingsSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => getAuditSettings(deps, callerOf(request), request.params.accountId),
    );

    app.patch(
      '/accounts/:accountId/audit-logs/settings',
      {
        schema: {
          tags,
          summary:
            'Set audit log retention in days (null keeps events forever); a shorter one applies after 7 days',
          params: AccountParams,
          body: AuditSettingsBody,
          response: { 200: AuditSettingsSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        updateAuditSettings(deps, callerOf(request), request.params.accountId, request.body),
    );
  };
