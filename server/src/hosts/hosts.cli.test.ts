import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureOperatorIo,
  DIALECTS,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { EXIT } from '../cli/exit-codes.js';
import { DOCKER1, dockerAvailable } from '../pods/runtime/docker-test-env.js';
import { registerHostsCommands } from './hosts.cli.js';

const available = dockerAvailable(1);

describe.each(DIALECTS)('gantry hosts on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, { GANTRY_RUNTIME: 'docker' });
  });
  afterAll(() => gantry?.close());

  async function hosts(...args: string[]) {
    const { io, sink } = captureOperatorIo();
    const exits: number[] = [];
    const program = new Command('gantry').exitOverride();
    registerHostsCommands(program, {
      open: async () => ({ deps: gantry.deps, close: async () => {} }),
      io: sink,
      exit: (code) => void exits.push(code),
    });
    await program.parseAsync(['hosts', ...args], { from: 'user' });
    return { ...io, exit: exits[0] ?? 0 };
  }

  it('names bad input and writes nothing', async () => {
    expect(await hosts('add', 'gpu-x', '--engine', DOCKER1, '--gpu', 'rtx-4090:0,0')).toMatchObject(
      {
        exit: 2,
        err: expect.stringContaining('GPU index 0 is declared twice'),
      },
    );
    expect(await hosts('add', 'gpu-x', '--engine', 'ftp://x', '--gpu', 'l40s:0')).toMatchObject({
      exit: 2,
      err: expect.stringContaining('must be unix:///'),
    });
    expect(
      await hosts('add', 'gpu-x', '--engine', 'unix:///nonexistent.sock', '--gpu', 'l40s:0'),
    ).toMatchObject({ exit: 1, err: expect.stringContaining('does not answer') });
    expect(await hosts('drain', 'nope')).toMatchObject({
      exit: EXIT.notFound,
      err: expect.stringContaining('No host named "nope"'),
    });
    expect((await hosts('list')).out).toContain('No hosts');
  });

  it.skipIf(!available)('adds, lists, drains and removes a host', async () => {
    const added = await hosts('add', 'gpu-1', '--engine', DOCKER1, '--gpu', 'NVIDIA L40S:0,1');
    expect(added.exit).toBe(0);
    expect(added.out).toContain('gpu-1\tactive');
    expect((await hosts('list')).out).toContain('l40s 2/2 free (declared)');
    expect((await hosts('drain', 'gpu-1')).out).toContain('gpu-1\tdraining');
    expect((await hosts('undrain', 'gpu-1')).out).toContain('gpu-1\tactive');
    expect(await hosts('remove', 'gpu-1')).toMatchObject({ exit: 0, out: 'Removed host gpu-1\n' });
    expect((await hosts('list')).out).toContain('No hosts');
  });
});
