import { Ajv } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(coerceTypes: boolean | 'array') {
  const ajv = new Ajv({
    coerceTypes,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  // ajv-formats is CommonJS: its default export arrives as the module object.
  const addFormats = (formatsModule as unknown as { default: FormatsPlugin }).default;
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-examples' });
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
 * rules the routes apply to query strings; returns the first problem, or null when valid.
 */
export function checkQuery(schema: object, data: Record<string, unknown>): string | null {
  const validate = paramAjv.compile(schema);
  if (validate(data)) return null;
  const first = validate.errors?.[0];
  return `${first?.instancePath || 'option'} ${first?.message ?? 'is invalid'}`;
}
