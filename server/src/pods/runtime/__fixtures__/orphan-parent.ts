// A stand-in Gantry process for orphan tests: starts one hello-web Pod, prints
// its pid, then leaves either via process.exit() ("exit") or SIGKILL ("sigkill").
import { helloWebTemplate } from '../builtin-templates.js';
import { LocalDriver } from '../local-driver.js';

const [dataDir = '', how = 'exit'] = process.argv.slice(2);
const driver = new LocalDriver({ dataDir });
await driver.start({
  podId: 'orphan-pod',
  name: 'orphan',
  template: helloWebTemplate(),
  env: {},
  gpuType: 'none',
  gpuCount: 0,
});
const { pid } = await driver.status('orphan-pod');
process.stdout.write(`${JSON.stringify({ pid })}\n`, () => {
  if (how === 'sigkill') process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
});
