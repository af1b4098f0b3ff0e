import { Type } from '@sinclair/typebox';
import {
  AccountParams,
  Body,
  Email,
  EXPECTED,
  Id,
  IsoTime,
  Money,
  Name,
  Nullable,
  ref,
  StringEnum,
} from '../http/schemas.js';

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
  [EXPECTED]: 'a decimal string such as "50.00"',
});

export const TransactionKindSchema = StringEnum(['credit', 'usage', 'refund', 'adjustment']);

export const BillingProfileSchema = Type.Object({
  billingEmail: Nullable(Type.String()),
  companyName: Nullable(Type.String()),
  address: Nullable(Type.String()),
  countryCode: Nullable(Type.String()),
  taxId: Nullable(Type.String()),
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
    runwaySeconds: Nullable(Type.Integer()),
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
      id: Nullable(Type.String()),
      email: Nullable(Type.String()),
    }),
    note: Nullable(Type.String()),
    provider: Nullable(Type.String()),
    podId: Nullable(Type.String()),
    periodStart: Nullable(IsoTime),
    periodEnd: Nullable(IsoTime),
    durationMs: Nullable(Type.Integer()),
  },
  { $id: 'BillingTransaction' },
);

export const PatchBillingBody = Body({
  billingEmail: Type.Optional(Nullable(Email)),
  companyName: Type.Optional(Nullable(Name(200))),
  address: Type.Optional(Nullable(Address)),
  countryCode: Type.Optional(Nullable(CountryCode)),
  taxId: Type.Optional(Nullable(TaxId)),
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
      podId: Nullable(Type.String()),
      podName: Nullable(Type.String()),
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
      minLength: 7,
      maxLength: 7,
      pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
      description: 'YYYY-MM',
    }),
  },
  { additionalProperties: false },
);

export const StatementQuery = Type.Object(
  {
    format: Type.Optional(StringEnum(['json', 'csv'], { default: 'json' })),
  },
  { additionalProperties: false },
);

/** Shared schemas to register with `app.addSchema`. */
export const billingSchemas = [BillingSchema, BillingTransactionSchema, StatementSummarySchema];
