import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LineBatch, redactUrl } from './logger.js';

const run = promisify(execFile);

describe('LineBatch', () => {
  it('hands lines on in one write once the batch is full, in order', () => {
    const writes: string[] = [];
    const batch = new LineBatch({ write: (data) => writes.push(data) }, 10);
    batch.write('abcd\n');
    batch.write('efgh\n');
    expect(writes).toEqual(['abcd\nefgh\n']);
    batch.write('ij\n');
    expect(writes).toHaveLength(1);
    batch.flush();
    batch.flush();
    expect(writes).toEqual(['abcd\nefgh\n', 'ij\n']);
  });
});

describe('the stdout logger', () => {
  // Each case is a process that logs three lines and ends in its own way.
  const cases = {
    'the event loop ends': '',
    'process.exit is called': 'process.exit(0);',
    'an error is thrown and not caught': "setTimeout(() => { throw new Error('boom'); }, 5);",
  };
  it.each(Object.entries(cases))('writes every line when %s', async (_name, ending) => {
    const script = `
      import { createLogger } from ${JSON.stringify(`${import.meta.dirname}/logger.ts`)};
      const logger = createLogger('info');
      for (let i = 0; i < 3; i++) logger.info({ i }, 'line');
      ${ending}
    `;
    const result = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: import.meta.dirname,
      },
    ).catch((error: { stdout: string }) => error);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.i)).toEqual([0, 1, 2]);
  });
});

describe('redactUrl', () => {
  it('hides invite tokens and API keys', () => {
    expect(redactUrl('/api/v1/invites/abcdefghijklmnopqrstuvwxyz012345/accept')).toBe(
      '/api/v1/invites/[redacted]/accept',
    );
    expect(redactUrl('/x?key=gnt_secretvalue')).toBe('/x?key=[redacted]');
    expect(redactUrl('/x?q=gnt_secretvalue&n=1')).toBe('/x?q=[redacted]&n=1');
    expect(redactUrl('/x/gnt_secretvalue')).toBe('/x/gnt_[redacted]');
    expect(redactUrl('/join/invite/abcdefghijklmnopqrstuvwxyz0123')).toBe(
      '/join/invite/[redacted]',
    );
  });

  it('hides every query parameter whose name looks secret', () => {
    expect(redactUrl('/lab?token=abc123')).toBe('/lab?token=[redacted]');
    expect(redactUrl('/cb?code=xyz&state=ok')).toBe('/cb?code=[redacted]&state=ok');
    expect(redactUrl('/a?x=1&access_token=t&API_KEY=k&Secret=s&password=p&sig=z')).toBe(
      '/a?x=1&access_token=[redacted]&API_KEY=[redacted]&Secret=[redacted]&password=[redacted]&sig=[redacted]',
    );
    expect(redactUrl('/a?X-Amz-Signature=abc&client_secret=d&refreshToken=e')).toBe(
      '/a?X-Amz-Signature=[redacted]&client_secret=[redacted]&refreshToken=[redacted]',
    );
    // A name percent-encoded to slip past the check.
    expect(redactUrl('/a?%74oken=abc')).toBe('/a?%74oken=[redacted]');
    expect(redactUrl('/a?token')).toBe('/a?token');
  });

  it('hides percent-encoded invite paths', () => {
    const token = 'abcdefghijklmnopqrstuvwxyz012345';
    expect(redactUrl(`/invite%2F${token}`)).toBe('/invite/[redacted]');
    expect(redactUrl(`/join%2Finvite%2F${token}`)).toBe('/join/invite/[redacted]');
    expect(redactUrl(`/api/v1/invites%2f${token}/accept`)).toBe(
      '/api/v1/invites/[redacted]/accept',
    );
    expect(redactUrl(`/%69nvite/${token}`)).toBe('/invite/[redacted]');
    expect(redactUrl(`/invite%252F${token}`)).toBe('/invite/[redacted]');
    // Malformed percent-encoding elsewhere in the path: still found encoded.
    expect(redactUrl(`/x%zz%2Finvite%2F${token}`)).toBe('/x%zz%2Finvite%2F[redacted]');
    expect(redactUrl(`/INVITE/${token}`)).toBe('/INVITE/[redacted]');
  });

  it('leaves other URLs as they are', () => {
    const url = '/api/v1/accounts/01JABCDEFGHJKMNPQRSTVWXYZ0?x=%22';
    expect(redactUrl(url)).toBe(url);
    expect(redactUrl('/api/v1/invites/short')).toBe('/api/v1/invites/short');
  });
});
