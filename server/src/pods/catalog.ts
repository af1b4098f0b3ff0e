/**
 * The catalog: GPU types with their hourly prices, and the templates Pods are
 * made from. Built-in defaults, plus an optional operator file (GANTRY_CATALOG)
 * validated at start. Users pick from the catalog; they never supply a command.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from '../config.js';
import { parseMoney } from '../lib/money.js';
import { HELLO_WEB_PORT, helloWebTemplate } from './runtime/builtin-templates.js';
import type { TemplateRuntime } from './runtime/driver.js';
import { isReservedEnvName } from './runtime/pod-env.js';

export interface GpuType {
  id: string;
  name: string;
  memoryGb: number;
  /** Price of one GPU for one hour, in micro-units. */
  pricePerHourMicro: number;
}

export interface CatalogTemplate {
  id: string;
  name: string;
  description: string;
  /** Exposed (container) ports; Connect reaches these. */
  ports: number[];
  /** What the runtime runs (operator-defined, never user input). */
  runtime: TemplateRuntime;
}

export interface Catalog {
  gpuTypes: GpuType[];
  templates: CatalogTemplate[];
}

/** Built-in GPU types (list prices of a typical GPU cloud, per GPU-hour). */
export const BUILTIN_GPU_TYPES: GpuType[] = [
  { id: 'rtx-4090', name: 'NVIDIA RTX 4090', memoryGb: 24, pricePerHourMicro: 690_000 },
  { id: 'l40s', name: 'NVIDIA L40S', memoryGb: 48, pricePerHourMicro: 990_000 },
  { id: 'a100-80gb', name: 'NVIDIA A100 80GB', memoryGb: 80, pricePerHourMicro: 1_990_000 },
  { id: 'h100-80gb', name: 'NVIDIA H100 80GB', memoryGb: 80, pricePerHourMicro: 2_990_000 },
];

function builtinTemplates(): CatalogTemplate[] {
  return [
    {
      id: 'hello-web',
      name: 'Hello Web',
      description:
        "A small web app that shows the Pod's name and id, with a WebSocket echo. Runs anywhere.",
      ports: [HELLO_WEB_PORT],
      runtime: helloWebTemplate(),
    },
  ];
}

const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** The operator file's shape (`GANTRY_CATALOG`, JSON). */
export const CatalogFileSchema = Type.Object(
  {
    /** false: only the file's entries; true (default): the file's entries added to the built-ins (same id replaces). */
    includeBuiltins: Type.Optional(Type.Boolean()),
    gpuTypes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Slug,
            name: Text(100),
            memoryGb: Type.Integer({ minimum: 1, maximum: 4096 }),
            pricePerHour: Type.String({
              pattern: '^\\d{1,9}(\\.\\d{1,6})?$',
              description: 'Decimal price of one GPU for one hour, e.g. "1.99"',
            }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 200 },
      ),
    ),
    templates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Slug,
            name: Text(100),
            description: Type.Optional(Type.String({ maxLength: 1000 })),
            /** argv, no shell; `node` is Gantry's own Node; `./x` is relative to the catalog file. */
            command: Type.Array(Text(4096), { minItems: 1, maxItems: 64 }),
            ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
              minItems: 0,
              maxItems: 16,
              uniqueItems: true,
            }),
            /** The environment variables users may set on its Pods; no others (default none). */
            env: Type.Optional(
              Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), {
                maxItems: 128,
                uniqueItems: true,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: 200 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CatalogFile = Static<typeof CatalogFileSchema>;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateFile = ajv.compile(CatalogFileSchema);

/** Resolves a template argv from the operator file: `node` → this Node, `./x` → beside the file. */
function resolveCommand(command: string[], baseDir: string): string[] {
  return command.map((arg, i) => {
    if (i === 0 && arg === 'node') return process.execPath;
    if (arg.startsWith('./') || arg.startsWith('../')) return resolve(baseDir, arg);
    return arg;
  });
}

/**
 * Merges an operator catalog into the built-ins. Throws {@link ConfigError}
 * naming every problem (path of the offending value included).
 */
export function buildCatalog(file: unknown, baseDir: string, source = 'GANTRY_CATALOG'): Catalog {
  if (!validateFile(file)) {
    const problems = (validateFile.errors ?? []).map(
      (e) => `${source}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
    throw new ConfigError(problems);
  }
  const parsed = file as CatalogFile;
  const problems: string[] = [];
  const keep = parsed.includeBuiltins !== false;
  const gpuTypes = new Map<string, GpuType>(
    keep ? BUILTIN_GPU_TYPES.map((g) => [g.id, { ...g }]) : [],
  );
  const templates = new Map<string, CatalogTemplate>(
    keep ? builtinTemplates().map((t) => [t.id, t]) : [],
  );
  const seen = new Set<string>();
  parsed.gpuTypes?.forEach((g, i) => {
    if (seen.has(`gpu:${g.id}`)) problems.push(`${source}: /gpuTypes/${i} repeats id "${g.id}"`);
    seen.add(`gpu:${g.id}`);
    const price = parseMoney(g.pricePerHour);
    if (price === null) {
      problems.push(`${source}: /gpuTypes/${i}/pricePerHour is not a valid amount`);
      return;
    }
    gpuTypes.set(g.id, { id: g.id, name: g.name, memoryGb: g.memoryGb, pricePerHourMicro: price });
  });
  parsed.templates?.forEach((t, i) => {
    if (seen.has(`tpl:${t.id}`)) problems.push(`${source}: /templates/${i} repeats id "${t.id}"`);
    seen.add(`tpl:${t.id}`);
    const command = resolveCommand(t.command, baseDir);
    if (!isAbsolute(command[0] ?? '') && (command[0] ?? '').includes('/')) {
      problems.push(`${source}: /templates/${i}/command/0 must be a program name or a path`);
    }
    const env = t.env ?? [];
    env.forEach((name, j) => {
      if (isReservedEnvName(name))
        problems.push(`${source}: /templates/${i}/env/${j} "${name}" is set by Gantry itself`);
    });
    templates.set(t.id, {
      id: t.id,
      name: t.name,
      description: t.description ?? '',
      ports: t.ports,
      runtime: { id: t.id, command, ports: t.ports, env },
    });
  });
  if (gpuTypes.size === 0) problems.push(`${source}: the catalog has no GPU types`);
  if (templates.size === 0) problems.push(`${source}: the catalog has no templates`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { gpuTypes: [...gpuTypes.values()], templates: [...templates.values()] };
}

/**
 * The catalog Gantry serves: the built-ins, merged with the operator file at
 * `path` when given. Throws {@link ConfigError} for an unreadable or invalid file.
 */
export function loadCatalog(path: string | undefined): Catalog {
  if (!path)
    return { gpuTypes: BUILTIN_GPU_TYPES.map((g) => ({ ...g })), templates: builtinTemplates() };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      `GANTRY_CATALOG (${path}) is not readable JSON: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  return buildCatalog(json, dirname(path), `GANTRY_CATALOG (${path})`);
}

export function findGpuType(catalog: Catalog, id: string): GpuType | undefined {
  return catalog.gpuTypes.find((g) => g.id === id);
}

export function findTemplate(catalog: Catalog, id: string): CatalogTemplate | undefined {
  return catalog.templates.find((t) => t.id === id);
}
