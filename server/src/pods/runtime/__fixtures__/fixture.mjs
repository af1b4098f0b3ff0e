// Test workload for the local driver. Mode = argv[2]:
//   stubborn  listen on PORT, ignore SIGTERM (needs SIGKILL)
//   chatty    print FIXTURE_BYTES bytes (default 3 MiB) of numbered lines, then listen on PORT
//   env       print the environment as one JSON line, then listen on every PORT_<n>
//   noport    never listen (start() must time out)
//   multi     listen on every PORT_<n>
//   hijack    keep replacing the sandbox forwarder's socket with a symlink to HIJACK_TARGET
//             (a host socket) for two seconds, and listen on PORT
import fs from 'node:fs';
import http from 'node:http';

const mode = process.argv[2];
const listen = (port) =>
  http
    .createServer((_req, res) => res.end(mode))
    .listen(Number(port), process.env.HOST || '127.0.0.1');

if (mode === 'stubborn') {
  process.on('SIGTERM', () => console.log('fixture: ignoring SIGTERM'));
  listen(process.env.PORT);
} else if (mode === 'chatty') {
  const total = Number(process.env.FIXTURE_BYTES || 3 * 1024 * 1024);
  let written = 0;
  let i = 0;
  const lines = [];
  while (written < total) {
    const line = `line ${String(i++).padStart(8, '0')} ${'x'.repeat(50)}\n`;
    lines.push(line);
    written += line.length;
  }
  lines.push('fixture: END\n');
  process.stdout.write(lines.join(''), () => listen(process.env.PORT));
} else if (mode === 'env') {
  console.log(JSON.stringify(process.env));
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('PORT_')) listen(v);
} else if (mode === 'noport') {
  setInterval(() => {}, 1000);
} else if (mode === 'hijack') {
  const plant = () => {
    try {
      fs.rmSync('/run/gantry/fwd.sock', { force: true });
      fs.symlinkSync(process.env.HIJACK_TARGET, '/run/gantry/fwd.sock');
    } catch {
      // planted already, or the forwarder won the race this time
    }
  };
  plant();
  const timer = setInterval(plant, 1);
  setTimeout(() => clearInterval(timer), 2000);
  listen(process.env.PORT);
} else if (mode === 'multi') {
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('PORT_')) listen(v);
} else {
  console.error(`fixture: unknown mode ${mode}`);
  process.exit(2);
}
