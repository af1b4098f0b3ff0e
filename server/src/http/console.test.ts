import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';

const ROOT = join(import.meta.dirname, '../../..');
const INDEX_HTML =
  '<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>Gantry</title>' +
  '<script type="module" crossorigin src="/assets/index-Ab12Cd34.js"></script></head>' +
  `<body><div id="root"></div><!-- ${'padding '.repeat(40)} --></body></html>`;
const SCRIPT = `console.log(${JSON.stringify('Gantry console '.repeat(500))});\n`;

/**
 * A built console as `npm run build --workspace web` leaves it: index.html, a hashed script
 * under assets/, and the .br/.gz copies the real precompress step writes beside them.
 */
function buildConsoleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  execFileSync(process.execPath, [join(ROOT, 'scripts/precompress.mjs'), dir]);
  return dir;
}

describe.each(DIALECTS)('the console and its headers on %s', (dialect) => {
  let gantry: TestGantry;
  let webDir: string;
  beforeAll(async () => {
    webDir = buildConsoleDir();
    gantry = await startTestGantry(dialect, {}, { webDir });
  });
  afterAll(async () => {
    await gantry?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  const SCRIPT_URL = '/assets/index-Ab12Cd34.js';

  describe('compression and caching', () => {
    it('sends the brotli copy to a browser that accepts it, cached for a year', async () => {
      const response = await gantry.app.inject({
        url: SCRIPT_URL,
        headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-encoding']).toBe('br');
      expect(response.headers['content-type']).toMatch(
        /^text\/javascript|^application\/javascript/,
      );
      expect(String(response.headers.vary).toLowerCase()).toContain('accept-encoding');
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const body = brotliDecompressSync(response.rawPayload).toString('utf8');
      expect(body).toBe(SCRIPT);
      expect(response.rawPayload.length).toBeLessThan(SCRIPT.length / 10);
    });

    it('sends gzip when brotli is not accepted, and the file itself when nothing is', async () => {
      const gzipped = await gantry.app.inject({
        url: SCRIPT_URL,
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzipped.rawPayload).toString('utf8')).toBe(SCRIPT);
      const plain = await gantry.app.inject({
        url: SCRIPT_URL,
        headers: { 'accept-encoding': 'identity' },
      });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toBe(SCRIPT);
      // A shared cache must not hand the plain copy to a browser that takes brotli.
      expect(String(plain.headers.vary).toLowerCase()).toContain('accept-encoding');
    });

    it('revalidates index.html, at / and for every page of the console', async () => {
      for (const url of ['/', '/index.html', '/accounts/0190/audit-logs', '/settings?tab=keys']) {
        const response = await gantry.app.inject({
          url,
          headers: { 'accept-encoding': 'br' },
        });
        expect(response.statusCode, url).toBe(200);
        expect(response.headers['content-type'], url).toMatch(/^text\/html/);
        expect(response.headers['cache-control'], url).toBe('no-cache');
        expect(response.headers['content-encoding'], url).toBe('br');
        expect(brotliDecompressSync(response.rawPayload).toString('utf8'), url).toBe(INDEX_HTML);
      }
    });
  });

  describe('missing files', () => {
    it('answers 404 for a favicon, a stale asset and any path with a file extension', async () => {
      for (const url of ['/favicon.ico', '/assets/index-Old00000.js', '/apple-touch-icon.png']) {
        const response = await gantry.app.inject({ url });
        expect(response.statusCode, url).toBe(404);
        expect(response.json().error.code, url).toBe('not_found');
        expect(response.headers['content-type'], url).not.toMatch(/html/);
      }
    });

    it('serves a robots.txt that disallows every crawler', async () => {
      const response = await gantry.app.inject({ url: '/robots.txt' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.body).toBe('User-agent: *\nDisallow: /\n');
    });

    it('keeps JSON 404s under /api/ and for other methods than GET', async () => {
      const api = await gantry.app.inject({ url: '/api/v1/nope' });
      expect(api.statusCode).toBe(404);
      expect(api.json().error.code).toBe('not_found');
      const post = await gantry.app.inject({ method: 'POST', url: '/settings' });
      expect(post.statusCode).toBe(404);
      expect(post.json().error.code).toBe('not_found');
    });
  });

  describe('security headers', () => {
    const policyOf = (header: unknown) =>
      new Map(
        String(header)
          .split(';')
          .map((part) => part.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values] as const),
      );

    it("gives the console a policy that runs only Gantry's own scripts and is never framed", async () => {
      for (const url of ['/', SCRIPT_URL, '/accounts/x/pods']) {
        const response = await gantry.app.inject({ url });
        const policy = policyOf(response.headers['content-security-policy']);
        expect(policy.get('script-src'), url).toEqual(["'self'"]);
        expect(policy.get('default-src'), url).toEqual(["'self'"]);
        expect(policy.get('frame-ancestors'), url).toEqual(["'none'"]);
        expect(policy.get('object-src'), url).toEqual(["'none'"]);
        // Its own origin, the WebSocket of the public URL (http://gantry.test) included.
        expect(policy.get('connect-src'), url).toEqual(["'self'", 'ws://gantry.test']);
        expect(response.headers['x-frame-options'], url).toBe('DENY');
        expect(response.headers['referrer-policy'], url).toBe('same-origin');
        expect(response.headers['permissions-policy'], url).toContain('camera=()');
        expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      }
    });

    it('has no inline script in the index.html it serves', async () => {
      const response = await gantry.app.inject({ url: '/' });
      const scripts = [...response.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, content] of scripts) {
        expect(attributes).toMatch(/\bsrc=/);
        expect(content?.trim()).toBe('');
      }
    });

    it('gives API answers, errors included, a policy that allows nothing', async () => {
      const user = await signUp(gantry.app);
      const ok = await user.request({ method: 'GET', url: '/api/v1/me' });
      const unauthenticated = await gantry.app.inject({ url: '/api/v1/me' });
      const health = await gantry.app.inject({ url: '/healthz' });
      for (const response of [ok, unauthenticated, health]) {
        expect(response.headers['content-security-policy']).toBe(
          "default-src 'none'; frame-ancestors 'none'",
        );
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['referrer-policy']).toBe('same-origin');
        expect(response.headers['x-content-type-options']).toBe('nosniff');
      }
      expect(ok.statusCode).toBe(200);
      expect(unauthenticated.statusCode).toBe(401);
    });

    it("gives the API docs page the console's policy (Swagger UI has no inline script)", async () => {
      const response = await gantry.app.inject({ url: '/api/docs/' });
      expect(response.statusCode).toBe(200);
      const policy = policyOf(response.headers['content-security-policy']);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(response.headers['x-frame-options']).toBe('DENY');
      for (const [, attributes] of response.body.matchAll(/<script\b([^>]*)>/g)) {
        expect(attributes).toMatch(/\bsrc=/);
      }
    });

    it("leaves the Connect proxy's answers without the console's policy", async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({
        method: 'GET',
        url: '/pods/01900000-0000-7000-8000-000000000000/8888/',
      });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.headers['content-security-policy']).toBeUndefined();
      expect(response.headers['x-frame-options']).toBeUndefined();
    });
  });
});
