// A hostile Pod for the isolation tests: it serves on PORT what it can see and reach from inside.
//   GET /read?path=P          {ok, text} or {ok:false, error}: read a file
//   GET /connect?host=H&port=N {ok} or {ok:false, error}: open a TCP connection
//   GET /procs                 [{pid, cmdline, environ}] of every process it can see
//   GET /fork?tag=T            spawns a detached background process with T in its argv
//   GET /whoami                {uid, gid}
//   GET /write?path=P&text=T   {ok} or {ok:false, error}: write a file
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const json = (res, value) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://pod');
  const q = url.searchParams;
  if (url.pathname === '/read') {
    try {
      json(res, { ok: true, text: fs.readFileSync(q.get('path') ?? '', 'utf8').slice(0, 4096) });
    } catch (error) {
      json(res, { ok: false, error: error.code ?? String(error) });
    }
    return;
  }
  if (url.pathname === '/connect') {
    const socket = net.connect({ host: q.get('host') ?? '127.0.0.1', port: Number(q.get('port')) });
    const timer = setTimeout(() => {
      socket.destroy();
      json(res, { ok: false, error: 'timeout' });
    }, 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      json(res, { ok: true });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      json(res, { ok: false, error: error.code ?? String(error) });
    });
    return;
  }
  if (url.pathname === '/procs') {
    const procs = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const read = (name) => {
        try {
          return fs.readFileSync(`/proc/${entry}/${name}`, 'utf8').replaceAll('\0', ' ');
        } catch (error) {
          return `!${error.code}`;
        }
      };
      procs.push({ pid: Number(entry), cmdline: read('cmdline'), environ: read('environ') });
    }
    json(res, procs);
    return;
  }
  if (url.pathname === '/fork') {
    const child = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', `fork-${q.get('tag') ?? ''}`],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    json(res, { pid: child.pid });
    return;
  }
  if (url.pathname === '/write') {
    try {
      fs.writeFileSync(q.get('path') ?? '', q.get('text') ?? '');
      json(res, { ok: true });
    } catch (error) {
      json(res, { ok: false, error: error.code ?? String(error) });
    }
    return;
  }
  if (url.pathname === '/whoami') {
    json(res, { uid: process.getuid(), gid: process.getgid() });
    return;
  }
  res.writeHead(404);
  res.end('not found\n');
});
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT || 8080), process.env.HOST || '127.0.0.1', () =>
  console.log('attacker listening'),
);
