// The first process of a local Pod's sandbox (run by bubblewrap as the Pod's user, inside the
// Pod's own PID and network namespaces). Plain Node, no dependencies. It:
//   - starts the template's command (argv after `--`) with the Pod's environment;
//   - forwards streams from a unix socket (`/run/gantry/fwd.sock`, which Gantry moves out of the
//     Pod's reach once it exists) to TCP ports on the Pod's own loopback: a client sends the port
//     as two bytes (big-endian) and gets one byte 0x01 once the port accepted, then raw bytes;
//   - reads the Pod's environment as the first line of stdin (JSON; this process itself runs with
//     an empty one, so nothing the user set changes how it runs), then commands: `term` sends
//     SIGTERM to every process of the Pod; end of stdin (Gantry is gone) ends the Pod;
//   - when the command exits, kills whatever it left behind and exits with its status
//     (a signal becomes 128 + its number).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { constants } from 'node:os';

const SOCKET = '/run/gantry/fwd.sock';
const separator = process.argv.indexOf('--');
const [command, ...args] = separator < 0 ? [] : process.argv.slice(separator + 1);
if (!command) {
  console.error('gantry-pod-init: no command');
  process.exit(2);
}

/** Signals every process of the Pod but this one (the namespace's init is spared by the kernel). */
function signalAll(signal) {
  try {
    process.kill(-1, signal);
  } catch {
    // ESRCH: nobody else is left.
  }
}

const server = net.createServer({ pauseOnConnect: false }, (client) => {
  client.on('error', () => client.destroy());
  let head = Buffer.alloc(0);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    if (head.length < 2) return;
    client.off('data', onData);
    client.pause();
    const port = head.readUInt16BE(0);
    const rest = head.subarray(2);
    if (port === 0) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port });
    upstream.on('error', () => {
      upstream.destroy();
      client.destroy();
    });
    upstream.once('connect', () => {
      upstream.setNoDelay(true);
      client.write(Buffer.from([1]));
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream).pipe(client);
      client.resume();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  };
  client.on('data', onData);
});
server.on('error', (err) => console.error(`gantry-pod-init: forwarder: ${err.message}`));
server.listen(SOCKET);

let child;
function startCommand(env) {
  child = spawn(command, args, { stdio: ['pipe', 'inherit', 'inherit'], env, detached: true });
  child.stdin.on('error', () => {});
  child.on('error', (err) => {
    console.error(`gantry-pod-init: could not start ${command}: ${err.message}`);
    finish(127);
  });
  child.on('exit', (code, signal) => {
    finish(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
  });
}

let finished = false;
function finish(status) {
  if (finished) return;
  finished = true;
  // Nothing the Pod forked outlives its command.
  signalAll('SIGKILL');
  server.close();
  process.exit(status);
}

let control = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  control += text;
  let newline = control.indexOf('\n');
  while (newline >= 0) {
    const line = control.slice(0, newline).trim();
    control = control.slice(newline + 1);
    if (!child && !finished) {
      let env;
      try {
        env = JSON.parse(line);
      } catch {
        console.error('gantry-pod-init: no environment');
        finish(2);
        return;
      }
      startCommand(env);
    } else if (line === 'term') signalAll('SIGTERM');
    newline = control.indexOf('\n');
  }
});
process.stdin.on('end', () => {
  child?.stdin.end();
  signalAll('SIGKILL');
  finish(137);
});
process.stdin.on('error', () => finish(137));
// SIGTERM sent to this process directly: pass it on, like `term`.
process.on('SIGTERM', () => signalAll('SIGTERM'));
