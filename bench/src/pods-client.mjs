// One measurement of the Connect benchmark, printed as JSON on stdout. Run as is (through
// Gantry's proxy) or under `nsenter --net=/proc/<pid>/ns/net` (directly inside the Pod).
//   node pods-client.mjs rps <url> <seconds> <connections> [cookie]
//   node pods-client.mjs download <url> [cookie]
import http from 'node:http';
import autocannon from 'autocannon';

const [mode, url, ...rest] = process.argv.slice(2);
if (mode === 'rps') {
  const [seconds, connections, cookie] = rest;
  const result = await autocannon({
    url,
    duration: Number(seconds),
    connections: Number(connections),
    headers: cookie ? { cookie } : {},
  });
  console.log(
    JSON.stringify({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    }),
  );
} else if (mode === 'download') {
  const [cookie] = rest;
  const started = process.hrtime.bigint();
  const bytes = await new Promise((resolve, reject) => {
    http
      .get(url, { headers: cookie ? { cookie } : {} }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        let n = 0;
        res.on('data', (c) => {
          n += c.length;
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ bytes, seconds, mbps: bytes / 1024 / 1024 / seconds }));
} else {
  console.error('usage: pods-client.mjs rps|download …');
  process.exit(2);
}
