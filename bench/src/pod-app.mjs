// The Pod app of the Connect benchmark: GET /small (a few bytes), GET /download?mb=N (N MiB).
import http from 'node:http';

const chunk = Buffer.alloc(1024 * 1024, 120);
http
  .createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pod');
    if (url.pathname === '/download') {
      const mb = Math.min(Number(url.searchParams.get('mb') ?? 100), 1024);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': mb * chunk.length,
      });
      let sent = 0;
      const pump = () => {
        while (sent < mb) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
    res.end('ok\n');
  })
  .listen(Number(process.env.PORT || 8080), '127.0.0.1', () => console.log('bench app listening'));
process.on('SIGTERM', () => process.exit(0));
