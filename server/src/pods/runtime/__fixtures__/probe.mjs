// Test workload that probes its sandbox from inside, on request (JSON answers), on PORT:
//   GET /read?path=P          read a file: {ok, text} or {ok: false, error}
//   GET /list?path=P          list a directory
//   GET /connect?port=N       open a TCP connection to 127.0.0.1:N (1 s): {ok} or {ok: false, error}
//   GET /procs                every process it can see: pid, cmdline, environ (or the error)
//   GET /whoami               uid, gid, hostname, cwd
//   GET /fork?marker=M        start a detached background process carrying M in its argv
//   GET /write?path=P         try to create a file
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';

const attempt = (fn) => {
  try {
    return { ok: true, ...fn() };
  } catch (err) {
    return { ok: false, error: err.code || String(err) };
  }
};

function connect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done({ ok: false, error: 'ETIMEDOUT' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, error: err.code }));
  });
}

function procs() {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => ({
      pid: Number(pid),
      cmdline: attempt(() => ({
        text: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '),
      })),
      environ: attempt(() => ({ text: fs.readFileSync(`/proc/${pid}/environ`, 'utf8') })),
    }));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://pod');
  const q = (name) => url.searchParams.get(name) ?? '';
  let body;
  if (url.pathname === '/read')
    body = attempt(() => ({ text: fs.readFileSync(q('path'), 'utf8') }));
  else if (url.pathname === '/list') body = attempt(() => ({ names: fs.readdirSync(q('path')) }));
  else if (url.pathname === '/write')
    body = attempt(() => {
      fs.writeFileSync(q('path'), 'written from a pod');
      return {};
    });
  else if (url.pathname === '/connect') body = await connect(Number(q('port')));
  else if (url.pathname === '/procs') body = { procs: procs() };
  else if (url.pathname === '/whoami')
    body = {
      uid: process.getuid(),
      gid: process.getgid(),
      groups: process.getgroups(),
      hostname: os.hostname(),
      cwd: process.cwd(),
      maxProcesses: /Max processes\s+(\S+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1],
    };
  else if (url.pathname === '/fork') {
    const child = spawn(
      process.execPath,
      ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)', q('marker')],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    body = { pid: child.pid };
  } else {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1', () => {
  console.log(`probe: listening as uid ${process.getuid()}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
