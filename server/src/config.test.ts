import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveSecret } from './config.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      publicUrl: 'http://localhost:3000',
      welcomeCreditMicro: 25_000_000,
      logLevel: 'info',
      sessionIdleSeconds: 7 * 24 * 3600,
      sessionAbsoluteSeconds: 30 * 24 * 3600,
      auditMinRetentionDays: 90,
      metricsToken: undefined,
    });
  });

  it('reads the audit retention floor and the metrics token, and refuses bad ones', () => {
    const token = 't'.repeat(32);
    expect(
      loadConfig({ GANTRY_AUDIT_MIN_RETENTION_DAYS: '30', GANTRY_METRICS_TOKEN: token }),
    ).toMatchObject({ auditMinRetentionDays: 30, metricsToken: token });
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
    };
    expect(problemsOf({ GANTRY_AUDIT_MIN_RETENTION_DAYS: '0' })).toContain(
      'GANTRY_AUDIT_MIN_RETENTION_DAYS',
    );
    expect(problemsOf({ GANTRY_AUDIT_MAX_RETENTION_DAYS: '30' })).toContain(
      'GANTRY_AUDIT_MAX_RETENTION_DAYS (30) must not be below GANTRY_AUDIT_MIN_RETENTION_DAYS (90',
    );
    expect(problemsOf({ GANTRY_METRICS_TOKEN: 'short' })).toContain('GANTRY_METRICS_TOKEN');
    expect(problemsOf({ GANTRY_METRICS_TOKEN: `${'t'.repeat(32)} x` })).toContain(
      'GANTRY_METRICS_TOKEN',
    );
  });

  it('names every bad value in one error', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        GANTRY_PUBLIC_URL: 'ftp://x',
        LOG_LEVEL: 'loud',
        GANTRY_WELCOME_CREDIT: '1.1234567',
        GANTRY_SECRET: 'short',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'GANTRY_PUBLIC_URL',
        'LOG_LEVEL',
        'GANTRY_WELCOME_CREDIT',
        'GANTRY_SECRET',
      ]) {
        expect(problems).toContain(name);
      }
    }
  });

  it('generates the secret once, keeps it private, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-config-'));
    const config = loadConfig({ GANTRY_DATA_DIR: dir });
    const first = resolveSecret(config);
    expect(first.length).toBeGreaterThanOrEqual(43);
    expect(resolveSecret(config)).toBe(first);
    expect(readFileSync(join(dir, 'secret'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
  });

  it('uses the public URL without a trailing slash', () => {
    expect(loadConfig({ GANTRY_PUBLIC_URL: 'https://gpu.example.com/' }).publicUrl).toBe(
      'https://gpu.example.com',
    );
  });
});

describe('GANTRY_CONNECT_URL', () => {
  it('takes a pattern of Pod origins and compiles it', async () => {
    const config = loadConfig({
      GANTRY_CONNECT_URL: 'http://{pod}-{port}.connect.localhost:3000/',
    });
    expect(config.connectUrl).toBe('http://{pod}-{port}.connect.localhost:3000');
    expect(loadConfig({}).connectUrl).toBeUndefined();
    const { compileConnectOrigins } = await import('./pods/connect-origin.js');
    const origins = compileConnectOrigins(config.connectUrl ?? '');
    const podId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(origins.originOf(podId, 8080)).toBe(`http://${podId}-8080.connect.localhost:3000`);
    expect(origins.parseHost(`${podId}-8080.connect.localhost:3000`)).toEqual({
      podId,
      port: 8080,
    });
    expect(origins.parseHost(`${podId.toUpperCase()}-8080.CONNECT.localhost:3000`)).toEqual({
      podId,
      port: 8080,
    });
    for (const host of [
      undefined,
      'localhost:3000',
      `${podId}-8080.connect.localhost:3001`,
      `${podId}-8080.connect.localhost`,
      `${podId}-0.connect.localhost:3000`,
      `${podId}-99999.connect.localhost:3000`,
      `a.${podId}-8080.connect.localhost:3000`,
    ]) {
      expect(origins.parseHost(host), String(host)).toBeNull();
    }
    const https = compileConnectOrigins('https://{pod}-{port}.pods.example.net');
    expect(https.parseHost(`${podId}-443.pods.example.net:443`)).toEqual({ podId, port: 443 });
  });

  it.each([
    ['https://connect.example.com', /must contain \{pod\} and \{port\}/],
    ['https://{pod}.connect.example.com', /must contain \{pod\} and \{port\}/],
    ['ftp://{pod}-{port}.example.com', /http\(s\)/],
    ['https://{pod}-{port}.example.com/path', /origin only/],
    ['https://example.com/{pod}/{port}', /origin only|host name/],
  ])('refuses %s', (value, message) => {
    expect(() => loadConfig({ GANTRY_CONNECT_URL: value })).toThrow(message);
    try {
      loadConfig({ GANTRY_CONNECT_URL: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toContain('GANTRY_CONNECT_URL');
    }
  });
});
