import type { Command } from 'commander';
import { EXIT } from '../cli/exit-codes.js';
import { type OperatorIo, type OperatorOptions, operatorAction } from '../cli/operator.js';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';
import { addHost, drainHost, type HostDto, listHostDtos, removeHost } from './hosts.service.js';

function describeHost(host: HostDto): string {
  const gpus =
    host.gpus.map((g) => `${g.gpuType} ${g.total - g.used}/${g.total} free`).join(', ') ||
    'no GPUs';
  const seen = host.lastError
    ? `not answering (${host.lastError}), last seen ${host.lastSeenAt ?? 'never'}`
    : `last seen ${host.lastSeenAt ?? 'never'}`;
  return `${host.name}\t${host.status}\t${host.engine}\t${gpus} (${host.gpuSource})\t${seen}`;
}

/** Runs one hosts command, turning its AppError into a message and an exit code. */
async function runHostCommand(io: OperatorIo, fn: () => Promise<string>): Promise<number> {
  try {
    io.out(await fn());
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    io.err(`gantry: ${error.message}\n`);
    if (error.code === 'invalid_input') return EXIT.usage;
    if (error.code === 'not_found') return EXIT.notFound;
    return error.status === 409 ? EXIT.conflict : EXIT.failure;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Adds `gantry hosts add|list|drain|undrain|remove` (operator commands, on the database). */
export function registerHostsCommands(program: Command, options: OperatorOptions = {}): void {
  const hosts = program
    .command('hosts')
    .description('GPU hosts (Docker Engines) that Pods run on with GANTRY_RUNTIME=docker');
  hosts
    .command('add')
    .description('Register a host: its engine and its GPUs (declared, or detected by nvidia-smi)')
    .argument('<name>', 'a name for the host, e.g. gpu-1')
    .requiredOption('--engine <url>', 'unix:///var/run/docker.sock or tcp://host:2376')
    .option('--tls-ca <file>', 'CA certificate of a tcp engine')
    .option('--tls-cert <file>', 'client certificate for a tcp engine')
    .option('--tls-key <file>', 'client key for a tcp engine')
    .option(
      '--gpu <type:indices>',
      'GPUs, e.g. "NVIDIA RTX 4090:0,1,2,3" (repeatable; default: nvidia-smi)',
      collect,
      [],
    )
    .action(
      operatorAction(
        options,
        (
          deps: Deps,
          io,
          name: string,
          flags: {
            engine: string;
            gpu: string[];
            tlsCa?: string;
            tlsCert?: string;
            tlsKey?: string;
          },
        ) =>
          runHostCommand(io, async () => {
            const tls =
              flags.tlsCa || flags.tlsCert || flags.tlsKey
                ? {
                    ...(flags.tlsCa ? { ca: flags.tlsCa } : {}),
                    ...(flags.tlsCert ? { cert: flags.tlsCert } : {}),
                    ...(flags.tlsKey ? { key: flags.tlsKey } : {}),
                  }
                : undefined;
            const host = await addHost(deps, {
              name,
              engine: flags.engine,
              gpus: flags.gpu,
              ...(tls ? { tls } : {}),
            });
            return `Added host ${describeHost(host)}\n`;
          }),
      ),
    );
  hosts
    .command('list')
    .description('Hosts with their status and free GPUs')
    .action(
      operatorAction(options, (deps: Deps, io) =>
        runHostCommand(io, async () => {
          const all = await listHostDtos(deps);
          return all.length === 0
            ? 'No hosts. Add one with gantry hosts add NAME --engine … --gpu …\n'
            : `${all.map(describeHost).join('\n')}\n`;
        }),
      ),
    );
  hosts
    .command('drain')
    .description('Place no new Pods on the host (running ones keep running)')
    .argument('<name>')
    .action(
      operatorAction(options, (deps: Deps, io, name: string) =>
        runHostCommand(io, async () => `Draining ${describeHost(await drainHost(deps, name))}\n`),
      ),
    );
  hosts
    .command('undrain')
    .description('Place new Pods on the host again')
    .argument('<name>')
    .action(
      operatorAction(options, (deps: Deps, io, name: string) =>
        runHostCommand(
          io,
          async () => `Active ${describeHost(await drainHost(deps, name, false))}\n`,
        ),
      ),
    );
  hosts
    .command('remove')
    .description('Forget a host that has no Pods left')
    .argument('<name>')
    .action(
      operatorAction(options, (deps: Deps, io, name: string) =>
        runHostCommand(io, async () => {
          await removeHost(deps, name);
          return `Removed host ${name}\n`;
        }),
      ),
    );
}
