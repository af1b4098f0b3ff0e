import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGantry } from '../../test/harness.js';
import { ConfigError } from '../config.js';
import { BUILTIN_GPU_TYPES, buildCatalog, loadCatalog } from './catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('catalog', () => {
  it('has built-in GPU types and the hello-web template', () => {
    const catalog = loadCatalog(undefined);
    expect(catalog.gpuTypes.map((g) => g.id)).toEqual(BUILTIN_GPU_TYPES.map((g) => g.id));
    expect(catalog.templates[0]).toMatchObject({ id: 'hello-web', ports: [8080] });
    expect(catalog.templates[0]?.runtime.command[0]).toBe(process.execPath);
  });

  it('merges an operator file: same id replaces, new ids add, commands resolved', () => {
    const catalog = buildCatalog(
      {
        gpuTypes: [
          { id: 'a100-80gb', name: 'A100 (discounted)', memoryGb: 80, pricePerHour: '1.5' },
          { id: 'b200', name: 'NVIDIA B200', memoryGb: 192, pricePerHour: '5.25' },
        ],
        templates: [
          {
            id: 'notebook',
            name: 'Notebook',
            command: ['node', './nb.mjs', '--x'],
            ports: [8888],
            env: ['JUPYTER_TOKEN', 'NODE_OPTIONS'],
          },
        ],
      },
      '/etc/gantry',
    );
    expect(catalog.gpuTypes.find((g) => g.id === 'a100-80gb')?.pricePerHourMicro).toBe(1_500_000);
    expect(catalog.gpuTypes.find((g) => g.id === 'b200')?.pricePerHourMicro).toBe(5_250_000);
    expect(catalog.templates.map((t) => t.id)).toEqual(['hello-web', 'notebook']);
    expect(catalog.templates[1]?.runtime.command).toEqual([
      process.execPath,
      '/etc/gantry/nb.mjs',
      '--x',
    ]);
    // Users may set exactly the declared variables; the built-in declares MESSAGE.
    expect(catalog.templates[1]?.runtime.env).toEqual(['JUPYTER_TOKEN', 'NODE_OPTIONS']);
    expect(catalog.templates[0]?.runtime.env).toEqual(['MESSAGE']);
    const only = buildCatalog(
      {
        includeBuiltins: false,
        gpuTypes: [{ id: 'cpu', name: 'CPU only', memoryGb: 1, pricePerHour: '0.01' }],
        templates: [{ id: 't', name: 'T', command: ['/bin/true'], ports: [] }],
      },
      '/',
    );
    expect(only.gpuTypes.map((g) => g.id)).toEqual(['cpu']);
  });

  it('names every problem of a bad file', () => {
    const problems = problemsOf(() =>
      buildCatalog(
        {
          gpuTypes: [{ id: 'Bad Id', name: 'x', memoryGb: 0, pricePerHour: '-1', extra: true }],
          templates: [
            { id: 't', name: 'T', ports: [70000] },
            { id: 'u', name: 'U', command: ['/bin/true'], ports: [], env: ['PORT', 'GANTRY_X'] },
            { id: 'v', name: 'V', command: ['/bin/true'], ports: [], env: ['BAD-NAME'] },
          ],
          unknown: 1,
        },
        '/',
      ),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/\/gpuTypes\/0\/id/);
    expect(text).toMatch(/\/gpuTypes\/0\/memoryGb/);
    expect(text).toMatch(/\/gpuTypes\/0\/pricePerHour/);
    expect(text).toMatch(/\/templates\/0 must have required property 'command'/);
    expect(text).toMatch(/\/templates\/0\/ports\/0/);
    expect(text).toMatch(/\/templates\/2\/env\/0 must match pattern/);
    expect(problems.length).toBeGreaterThanOrEqual(6);
    expect(
      problemsOf(() => buildCatalog({ includeBuiltins: false, gpuTypes: [] }, '/')).join(),
    ).toMatch(/no GPU types/);
    // Names Gantry sets itself cannot be handed to users.
    const reserved = problemsOf(() =>
      buildCatalog(
        {
          templates: [
            { id: 'u', name: 'U', command: ['/bin/true'], ports: [], env: ['PORT_1', 'GANTRY_X'] },
          ],
        },
        '/',
      ),
    ).join('\n');
    expect(reserved).toMatch(/\/templates\/0\/env\/0 "PORT_1" is set by Gantry itself/);
    expect(reserved).toMatch(/\/templates\/0\/env\/1 "GANTRY_X" is set by Gantry itself/);
  });

  it('refuses to start Gantry with an unreadable or invalid GANTRY_CATALOG', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    expect(problemsOf(() => loadCatalog(broken))[0]).toMatch(/is not readable JSON/);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ gpuTypes: [{ id: 'x' }] }));
    await expect(startTestGantry('sqlite', { GANTRY_CATALOG: invalid })).rejects.toThrow(
      /GANTRY_CATALOG .*gpuTypes\/0 must have required property 'name'/,
    );
  });
});
