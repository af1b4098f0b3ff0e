import { type Command, InvalidArgumentError } from 'commander';
import { type CliIo, clientFrom } from './client.js';
import { commandGroup, printJson, printList, shortTime, wholeNumber } from './output.js';

interface Pod {
  id: string;
  name: string;
  status: string;
  gpuType: string;
  gpuCount: number;
  templateId: string;
  pricePerHour: string;
  createdBy: string;
  createdAt: string;
  actions: string[];
}

function envPair(raw: string, previous: Record<string, string> = {}) {
  const at = raw.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be NAME=value');
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
}

function printPod(io: CliIo, pod: Pod, json: boolean | undefined): void {
  if (json) {
    printJson(io, pod);
    return;
  }
  io.stdout.write(`Pod ${pod.name} (${pod.id}) is ${pod.status}\n`);
}

/** `gantry pods list|create|start|stop|restart|terminate|connect`. */
export function registerPodsCommands(program: Command, io: CliIo): void {
  const pods = commandGroup(program, 'pods', "GPU Pods of the key's account");
  const podPath = async (client: ReturnType<typeof clientFrom>, podId: string, suffix = '') =>
    client.accountPath(`/pods/${encodeURIComponent(podId)}${suffix}`);

  pods
    .command('list')
    .description('List Pods (needs pods.view)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const client = clientFrom(io);
      const page = await client.json<{ items: Pod[] }>('GET', await client.accountPath('/pods'));
      printList(
        io,
        options.json,
        [
          ['ID', (p) => p.id],
          ['NAME', (p) => p.name],
          ['STATUS', (p) => p.status],
          ['GPU', (p) => `${p.gpuCount}x ${p.gpuType}`],
          ['PRICE/H', (p) => p.pricePerHour],
          ['CREATED', (p) => shortTime(p.createdAt)],
        ],
        page.items,
        'No Pods.',
      );
    });

  pods
    .command('create')
    .description('Create and start a Pod (needs pods.create)')
    .requiredOption('--name <name>', 'a name for the Pod')
    .requiredOption('--gpu-type <type>', 'a GPU type of the catalog')
    .option('--gpu-count <n>', 'GPUs, 1 to 8', wholeNumber(1, 8), 1)
    .requiredOption('--template <templateId>', 'a template of the catalog')
    .option('--env <NAME=value>', 'an environment variable (repeatable)', envPair)
    .option('--json', 'print JSON')
    .action(
      async (options: {
        name: string;
        gpuType: string;
        gpuCount: number;
        template: string;
        env?: Record<string, string>;
        json?: boolean;
      }) => {
        const client = clientFrom(io);
        const pod = await client.json<Pod>('POST', await client.accountPath('/pods'), {
          body: {
            name: options.name,
            gpuType: options.gpuType,
            gpuCount: options.gpuCount,
            templateId: options.template,
            ...(options.env ? { env: options.env } : {}),
          },
        });
        printPod(io, pod, options.json);
      },
    );

  for (const [move, description] of [
    ['start', 'Start an exited or failed Pod (needs pods.start)'],
    ['stop', 'Stop a Pod (needs pods.stop)'],
    ['restart', 'Restart a running Pod (needs pods.start and pods.stop)'],
  ] as const) {
    pods
      .command(move)
      .description(description)
      .argument('<podId>', 'the Pod id (see "gantry pods list")')
      .option('--json', 'print JSON')
      .action(async (podId: string, options: { json?: boolean }) => {
        const client = clientFrom(io);
        const pod = await client.json<Pod>('POST', await podPath(client, podId, `/${move}`));
        printPod(io, pod, options.json);
      });
  }

  pods
    .command('terminate')
    .description('Terminate (delete) a Pod (needs pods.terminate)')
    .argument('<podId>', 'the Pod id')
    .option('--json', 'print JSON')
    .action(async (podId: string, options: { json?: boolean }) => {
      const client = clientFrom(io);
      const pod = await client.json<Pod | undefined>('DELETE', await podPath(client, podId));
      if (pod) {
        printPod(io, pod, options.json);
        return;
      }
      if (options.json) {
        printJson(io, { id: podId, status: 'terminated' });
        return;
      }
      io.stdout.write(`Pod ${podId} terminated\n`);
    });

  pods
    .command('connect')
    .description("Show the URLs of a running Pod's exposed ports (needs pods.connect)")
    .argument('<podId>', 'the Pod id')
    .option('--json', 'print JSON')
    .action(async (podId: string, options: { json?: boolean }) => {
      const client = clientFrom(io);
      const answer = await client.json<{ urls: string[] }>(
        'GET',
        await podPath(client, podId, '/connect'),
      );
      if (options.json) {
        printJson(io, answer);
        return;
      }
      io.stdout.write(`${answer.urls.join('\n')}\n`);
    });
}
