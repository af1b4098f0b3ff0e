// Gantry's port forwarder for one Pod. Started by the docker driver as
//   nsenter --net=/proc/<containerPid>/ns/net -S <uid> -G <gid> -- node netns-forwarder.mjs <socket>
// so this process lives in the Pod's network namespace (only the Pod's loopback is there) while
// its files are the host's: it listens on a unix socket in a directory only Gantry reaches.
//
// Protocol per connection: the client writes the port as ASCII digits and "\n"; the forwarder
// connects to 127.0.0.1:<port> inside the Pod and answers one byte, 0x01 (connected: the rest of
// the stream is the TCP stream) or 0x00 followed by an error code and "\n" (then it closes).
// It exits when its stdin closes (Gantry is gone or stopped it) or on SIGTERM.
import net from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: netns-forwarder.mjs <socket>\n');
  process.exit(2);
}

const MAX_HEADER = 8;

const server = net.createServer({ allowHalfOpen: true }, (client) => {
  client.on('error', () => client.destroy());
  let header = '';
  const onData = (chunk) => {
    header += chunk.toString('latin1');
    const end = header.indexOf('\n');
    if (end < 0) {
      if (header.length > MAX_HEADER) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const rest = Buffer.from(header.slice(end + 1), 'latin1');
    const port = Number(header.slice(0, end));
    if (!/^[1-9][0-9]{0,4}$/.test(header.slice(0, end)) || port > 65535) {
      client.end(Buffer.from('\x00invalid_port\n', 'latin1'));
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write(Buffer.from([1]));
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', (error) => {
      if (connected) client.destroy();
      else client.end(Buffer.from(`\x00${error.code ?? 'error'}\n`, 'latin1'));
    });
    // Each side's end is passed on by pipe (half-close); a side that is gone takes the other.
    client.once('close', () => upstream.destroy());
  };
  client.on('data', onData);
});

server.on('error', (error) => {
  process.stderr.write(`forwarder: ${error.message}\n`);
  process.exit(1);
});
server.listen(socketPath, () => process.stdout.write('ready\n'));

const stop = () => {
  server.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
