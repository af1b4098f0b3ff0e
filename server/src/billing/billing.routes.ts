import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../context.js';
import { callerOf } from '../http/request.js';
import { AccountParams, answer, errorResponses, Page, ref } from '../http/schemas.js';
import {
  BillingSchema,
  BillingTransactionSchema,
  PatchBillingBody,
  StatementParams,
  StatementQuery,
  StatementSchema,
  StatementSummarySchema,
  TransactionsQuery,
  UsageQuery,
  UsageSchema,
} from './billing.schemas.js';
import {
  getBilling,
  getStatement,
  getUsage,
  listBillingTransactions,
  listStatements,
  statementCsv,
  updateBilling,
} from './billing.service.js';

const tags = ['billing'];

export const billingRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/accounts/:accountId/billing',
      {
        schema: {
          operationId: 'getBilling',
          description:
            "The account's balance, what its running Pods cost per hour, its spend limit, its low-balance threshold and its billing profile. Needs `billing.view`.",
          tags,
          summary: 'Balance, spend per hour, limits and billing profile',
          params: AccountParams,
          response: {
            200: answer('The billing overview', ref(BillingSchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => getBilling(deps, callerOf(request), request.params.accountId),
    );

    app.patch(
      '/accounts/:accountId/billing',
      {
        schema: {
          operationId: 'updateBilling',
          description:
            'Changes the billing profile, the monthly spend limit or the low-balance threshold. Needs `billing.manage`; the change is audited.',
          tags,
          summary: 'Change the billing profile, spend limit or low-balance threshold',
          params: AccountParams,
          body: PatchBillingBody,
          response: {
            200: answer('The billing overview with the changes', ref(BillingSchema)),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        updateBilling(deps, callerOf(request), request.params.accountId, request.body),
    );

    app.get(
      '/accounts/:accountId/billing/transactions',
      {
        schema: {
          operationId: 'listBillingTransactions',
          description:
            "The account's ledger (credits and charges), newest first, filtered by kind and time range and paged with `cursor`. Needs `billing.view`.",
          tags,
          summary: 'The ledger, newest first; filter by kind and time range',
          params: AccountParams,
          querystring: TransactionsQuery,
          response: {
            200: answer('A page of transactions', Page(ref(BillingTransactionSchema))),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        listBillingTransactions(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.get(
      '/accounts/:accountId/billing/usage',
      {
        schema: {
          operationId: 'getBillingUsage',
          description:
            'What Pods cost over a time range (by default the last 30 days), per Pod and per day. Needs `billing.view`.',
          tags,
          summary: 'Usage charges by Pod and by day (default: the last 30 days)',
          params: AccountParams,
          querystring: UsageQuery,
          response: {
            200: answer('Usage per Pod and per day', UsageSchema),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => getUsage(deps, callerOf(request), request.params.accountId, request.query),
    );

    app.get(
      '/accounts/:accountId/billing/statements',
      {
        schema: {
          operationId: 'listStatements',
          description:
            'The months the account has a statement for, newest first, with their totals. Needs `billing.view`.',
          tags,
          summary: 'Monthly statements, newest first',
          params: AccountParams,
          response: {
            200: answer(
              'The monthly statements',
              Type.Object({
                items: Type.Array(ref(StatementSummarySchema)),
                nextCursor: Type.Null(),
              }),
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => ({
        items: await listStatements(deps, callerOf(request), request.params.accountId),
        nextCursor: null,
      }),
    );

    app.get(
      '/accounts/:accountId/billing/statements/:month',
      {
        schema: {
          operationId: 'getStatement',
          description:
            "One month's statement, as a JSON or CSV file to download (`format`). Needs `billing.view`.",
          tags,
          summary: 'Download one month’s statement (format=json or csv)',
          params: StatementParams,
          querystring: StatementQuery,
          response: {
            200: {
              description: 'The statement, as an attachment',
              content: {
                'application/json': { schema: StatementSchema },
                'text/csv': { schema: Type.String() },
              },
            },
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const { accountId, month } = request.params;
        const statement = await getStatement(deps, callerOf(request), accountId, month);
        const format = request.query.format ?? 'json';
        reply.header(
          'content-disposition',
          `attachment; filename="gantry-statement-${accountId}-${month}.${format}"`,
        );
        if (format === 'csv') {
          return reply.type('text/csv; charset=utf-8').send(statementCsv(statement));
        }
        return reply.type('application/json; charset=utf-8').send(statement);
      },
    );
  };
