// hello-web: Gantry's built-in Pod template. Plain Node, no dependencies.
//
//   GET /          small HTML page with the Pod's name and id (and a WebSocket echo demo)
//   GET /healthz   {"ok":true,...}
//   GET /headers   the request headers this app received, as JSON (shows what the Connect proxy forwards)
//   WS  /ws        RFC 6455 echo (text and binary, ping/pong, close)
//
// Env: PORT (default 8080), HOST (default 127.0.0.1), POD_ID, POD_NAME, GPU_TYPE, GPU_COUNT;
// MESSAGE (the one variable its template lets users set) is shown on the page.
// POD_EXIT_ON_STDIN_EOF=1 (set by Gantry's local driver): exit when stdin closes, i.e. when
// the supervising Gantry process is gone, so Pods are never left orphaned.
// SIGTERM/SIGINT: stop accepting, close WebSockets, exit 0.
import { createHash } from 'node:crypto';
import http from 'node:http';

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
const pod = {
  id: process.env.POD_ID || 'unknown',
  name: process.env.POD_NAME || 'unnamed',
  gpuType: process.env.GPU_TYPE || '',
  gpuCount: Number(process.env.GPU_COUNT || 0),
  message: process.env.MESSAGE || '',
};
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 1024 * 1024;
const sockets = new Set();

const escapeHtml = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

function page() {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(pod.name)} · Gantry</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .25rem}</style></head>
<body><h1>Hello from <span id="pod-name">${escapeHtml(pod.name)}</span></h1>
<p>Pod <code id="pod-id">${escapeHtml(pod.id)}</code> · ${escapeHtml(pod.gpuCount)} × ${escapeHtml(pod.gpuType || 'no GPU')}</p>
${pod.message ? `<p id="pod-message">${escapeHtml(pod.message)}</p>` : ''}
<form id="f"><input id="m" value="ping" aria-label="message"> <button>Echo over WebSocket</button></form>
<pre id="out"></pre>
<script>
const out = document.getElementById('out');
const ws = new WebSocket(new URL('ws', location.href).href.replace(/^http/, 'ws'));
ws.onmessage = (e) => { out.textContent += 'echo: ' + e.data + '\\n'; };
ws.onclose = () => { out.textContent += '(closed)\\n'; };
document.getElementById('f').onsubmit = (e) => { e.preventDefault(); ws.send(document.getElementById('m').value); };
</script></body></html>
`;
}

function send(res, status, type, body) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain', 'method not allowed\n');
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', page());
  if (path === '/healthz')
    return send(
      res,
      200,
      'application/json',
      JSON.stringify({ ok: true, podId: pod.id, name: pod.name }),
    );
  if (path === '/headers')
    return send(
      res,
      200,
      'application/json',
      JSON.stringify({ url: req.url, headers: req.headers }),
    );
  send(res, 404, 'text/plain', 'not found\n');
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const path = (req.url || '/').split('?')[0];
  if (
    path !== '/ws' ||
    String(req.headers.upgrade).toLowerCase() !== 'websocket' ||
    req.headers['sec-websocket-version'] !== '13' ||
    typeof key !== 'string' ||
    Buffer.from(key, 'base64').length !== 16
  ) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const accept = createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  echo(socket);
});

/** Encode one unmasked server frame. */
function frame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

function closeWith(socket, code) {
  const body = Buffer.alloc(2);
  body.writeUInt16BE(code, 0);
  socket.end(frame(0x8, body));
}

/** Parse masked client frames and echo data messages back. */
function echo(socket) {
  let buf = Buffer.alloc(0);
  let fragments = [];
  let fragmentOpcode = 0;
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const fin = (buf[0] & 0x80) !== 0;
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let offset = 2;
      if (!masked || (buf[0] & 0x70) !== 0) return closeWith(socket, 1002);
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) return closeWith(socket, 1009);
        len = Number(big);
        offset = 10;
      }
      if (len > MAX_MESSAGE) return closeWith(socket, 1009);
      if (buf.length < offset + 4 + len) return;
      const mask = buf.subarray(offset, offset + 4);
      const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      buf = buf.subarray(offset + 4 + len);

      if (opcode === 0x8) return socket.end(frame(0x8, payload.subarray(0, 2)));
      if (opcode === 0x9) {
        socket.write(frame(0xa, payload));
        continue;
      }
      if (opcode === 0xa) continue;
      if (opcode === 0x1 || opcode === 0x2) {
        if (fragmentOpcode !== 0) return closeWith(socket, 1002);
        fragmentOpcode = opcode;
      } else if (opcode !== 0x0 || fragmentOpcode === 0) {
        return closeWith(socket, 1002);
      }
      fragments.push(payload);
      if (fragments.reduce((n, b) => n + b.length, 0) > MAX_MESSAGE) return closeWith(socket, 1009);
      if (!fin) continue;
      socket.write(frame(fragmentOpcode, Buffer.concat(fragments)));
      fragments = [];
      fragmentOpcode = 0;
    }
  });
}

function shutdown(signal) {
  console.log(`hello-web: ${signal}, shutting down`);
  server.close(() => process.exit(0));
  for (const socket of sockets) closeWith(socket, 1001);
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (process.env.POD_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => shutdown('supervisor gone'));
  process.stdin.on('error', () => shutdown('supervisor gone'));
  process.stdin.resume();
}

server.listen(port, host, () => {
  console.log(`hello-web: pod ${pod.id} (${pod.name}) listening on http://${host}:${port}`);
});
