import { Type } from '@sinclair/typebox';
import { AccountParams, Body, Email, Id, IsoTime, Money, Name, ref } from '../http/schemas.js';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** Postal address: several lines of plain text. */
const Address = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '^[^\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
  description: 'Plain text; line breaks allowed',
});
const TaxId = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 .\\-/]*$',
  description: 'VAT or tax number: letters, digits, spaces, . - /',
});
const CountryCode = Type.String({
  pattern: '^[A-Za-z]{2}$',
  description: 'ISO 3166-1 alpha-2 country code',
});
const Amount = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'Decimal amount, e.g. "80.00"',
});

export const TransactionKindSchema = Type.Union([
  Type.Literal('credit'),
  Type.Literal('usage'),
  Type.Literal('refund'),
  Type.Literal('adjustment'),
]);

export const BillingProfileSchema = Type.Object({
  billingEmail: nullable(Type.String()),
  companyName: nullable(Type.String()),
  address: nullable(Type.String()),
  countryCode: nullable(Type.String()),
  taxId: nullable(Type.String()),
});

export const BillingSchema = Type.Object(
  {
    accountId: Id,
    currency: Type.String(),
    balance: Money,
    currentSpendPerHour: Money,
    spendLimit: Money,
    maxSpendLimit: Money,
    lowBalanceThreshold: Money,
    lowBalance: Type.Boolean(),
    runwaySeconds: nullable(Type.Integer()),
    profile: BillingProfileSchema,
    updatedAt: IsoTime,
  },
  { $id: 'Billing' },
);

export const BillingTransactionSchema = Type.Object(
  {
    id: Id,
    kind: TransactionKindSchema,
    amount: Money,
    balanceAfter: Money,
    time: IsoTime,
    actor: Type.Object({
      type: Type.String(),
      id: nullable(Type.String()),
      email: nullable(Type.String()),
    }),
    note: nullable(Type.String()),
    provider: nullable(Type.String()),
    podId: nullable(Type.String()),
    periodStart: nullable(IsoTime),
    periodEnd: nullable(IsoTime),
    durationMs: nullable(Type.Integer()),
  },
  { $id: 'BillingTransaction' },
);

export const PatchBillingBody = Body({
  billingEmail: Type.Optional(nullable(Email)),
  companyName: Type.Optional(nullable(Name(200))),
  address: Type.Optional(nullable(Address)),
  countryCode: Type.Optional(nullable(CountryCode)),
  taxId: Type.Optional(nullable(TaxId)),
  spendLimit: Type.Optional(Amount),
  lowBalanceThreshold: Type.Optional(Amount),
});

export const TransactionsQuery = Type.Object(
  {
    kind: Type.Optional(TransactionKindSchema),
    from: Type.Optional(IsoTime),
    to: Type.Optional(IsoTime),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const UsageQuery = Type.Object(
  { from: Type.Optional(IsoTime), to: Type.Optional(IsoTime) },
  { additionalProperties: false },
);

export const UsageSchema = Type.Object({
  from: IsoTime,
  to: IsoTime,
  currency: Type.String(),
  total: Money,
  byPod: Type.Array(
    Type.Object({
      podId: nullable(Type.String()),
      podName: nullable(Type.String()),
      amount: Money,
      durationMs: Type.Integer(),
    }),
  ),
  byDay: Type.Array(
    Type.Object({
      day: Type.String({ format: 'date' }),
      amount: Money,
      durationMs: Type.Integer(),
    }),
  ),
});

const StatementFields = {
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  currency: Type.String(),
  openingBalance: Money,
  credits: Money,
  usage: Money,
  refunds: Money,
  adjustments: Money,
  closingBalance: Money,
  transactionCount: Type.Integer(),
};

export const StatementSummarySchema = Type.Object(StatementFields, { $id: 'StatementSummary' });

export const StatementSchema = Type.Object({
  ...StatementFields,
  accountId: Id,
  profile: BillingProfileSchema,
  transactions: Type.Array(ref(BillingTransactionSchema)),
});

export const StatementParams = Type.Object(
  {
    ...AccountParams.properties,
    month: Type.String({
      pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
      description: 'YYYY-MM',
    }),
  },
  { additionalProperties: false },
);

export const StatementQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
    ),
  },
  { additionalProperties: false },
);

/** Shared schemas to register with `app.addSchema`. */
export const billingSchemas = [BillingSchema, BillingTransactionSchema, StatementSummarySchema];
