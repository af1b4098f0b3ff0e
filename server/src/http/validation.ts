import { Ajv, type ErrorObject } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { DATE_TIME_EXPECTED, EXPECTED } from './schemas.js';

function makeAjv(coerceTypes: boolean | 'array') {
  const ajv = new Ajv({
    coerceTypes,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    // Errors carry the schema they failed, for the messages below (no cost on valid input).
    verbose: true,
  });
  // ajv-formats is CommonJS: its default export arrives as the module object.
  const addFormats = (formatsModule as unknown as { default: FormatsPlugin }).default;
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-examples' });
  ajv.addKeyword({ keyword: EXPECTED });
  return ajv;
}

// Bodies are JSON and must already have the right types; query strings and path
// parameters are text, so only they are coerced (e.g. "limit=10" → 10).
const bodyAjv = makeAjv(false);
const paramAjv = makeAjv('array');

/** Validates every part of every request against its JSON schema; unknown fields are refused. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : paramAjv;
  return ajv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
};

/**
 * Checks text options from outside HTTP (the CLI's) against a query-string schema, with the
 * rules the routes apply to query strings; returns the first problem as a sentence naming the
 * option (`optionOf` turns a query field into the option's name), or null when valid.
 */
export function checkQuery(
  schema: object,
  data: Record<string, unknown>,
  optionOf: (field: string) => string,
): string | null {
  const validate = paramAjv.compile(schema);
  if (validate(data)) return null;
  const first = validate.errors?.[0];
  if (!first) return 'the options are invalid';
  const field = first.instancePath.replace(/^\//, '');
  const extra = first.params as { additionalProperty?: unknown; missingProperty?: unknown };
  if (first.keyword === 'required') return `${optionOf(String(extra.missingProperty))} is required`;
  if (first.keyword === 'additionalProperties') {
    return `${optionOf(String(extra.additionalProperty))} is not an option here`;
  }
  return describeValidationError(field ? optionOf(field) : 'the options', first);
}

const FORMATS: Record<string, string> = {
  'date-time': DATE_TIME_EXPECTED,
  date: 'an ISO 8601 date, e.g. 2026-11-28',
};

const TYPES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

const listOf = (values: unknown): string[] =>
  (Array.isArray(values) ? values : [values]).map((v) => (v === null ? 'null' : String(v)));

/**
 * Says what is wrong with a value in a sentence starting at `where` (`body/role`): names the
 * allowed values of an enum, the expected form of a date-time or a decimal amount.
 */
export function describeValidationError(where: string, error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const expected = typeof parent[EXPECTED] === 'string' ? parent[EXPECTED] : null;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown field "${params.additionalProperty}"`;
    case 'required':
      return `${where}/${params.missingProperty} is required`;
    case 'minLength':
      if (expected) return `${where} must be ${expected}`;
      return `${where} must be at least ${params.limit} characters`;
    case 'maxLength':
      if (expected) return `${where} must be ${expected}`;
      return `${where} must be at most ${params.limit} characters`;
    case 'enum':
      return `${where} must be one of: ${listOf(params.allowedValues).join(', ')}`;
    case 'type':
      if (expected) return `${where} must be ${expected}`;
      return `${where} must be ${listOf(params.type)
        .map((t) => TYPES[t] ?? t)
        .join(' or ')}`;
    case 'format': {
      const format = String(params.format);
      return `${where} must be ${FORMATS[format] ?? `a valid ${format}`}`;
    }
    case 'pattern':
      if (expected) return `${where} must be ${expected}`;
      return `${where} has an invalid format or characters that are not allowed`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}
