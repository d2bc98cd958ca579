import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedRange, guardedRequest, parseOutboundUrl, resolveAllowed, SsrfBlockedError, type ResolvedAddress } from '../src/platform/net/ssrf-guard.ts';

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });

/** A fake DNS: each name answers from its list; `calls` counts lookups per name. */
function fakeDns(table: Record<string, ResolvedAddress[] | (() => ResolvedAddress[])>) {
  const calls: Record<string, number> = {};
  const resolve = async (hostname: string) => {
    calls[hostname] = (calls[hostname] ?? 0) + 1;
    const entry = table[hostname];
    if (!entry) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return typeof entry === 'function' ? entry() : entry;
  };
  return { resolve, calls };
}

describe('SSRF guard', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ url: string; authorization: string | undefined }> = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
      const redirects: Record<string, string> = {
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/iam/',
        '/to-loopback-literal': `http://127.0.0.1:${port}/ok`,
        '/to-rebound-name': `http://rebound.test:${port}/ok`,
        '/to-same-origin': '/ok',
        '/to-other-origin': `http://other.test:${port}/ok`,
      };
      const location = redirects[request.url ?? ''];
      if (location) {
        response.writeHead(302, { location }).end();
        return;
      }
      response.end(`answered ${request.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('classifies loopback, private, CGNAT, link-local, metadata, unique-local, mapped and reserved addresses as blocked', () => {
    const blocked = [
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.0.1', '100.64.0.1', '169.254.169.254', '0.0.0.0',
      '255.255.255.255', '224.0.0.251', '198.18.0.1', '192.0.2.10', '240.0.0.1', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1',
      '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '2002:7f00:1::1', '2001:db8::1', 'ff02::1', '2130706433', '0x7f.1',
    ];
    for (const address of blocked) expect(blockedRange(address), address).toBeDefined();
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(blockedRange(address), address).toBeUndefined();
  });

  it('refuses numeric, mapped and bracketed spellings of internal addresses, localhost, and non-HTTP schemes', async () => {
    const urls = [
      'http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://127.1/', 'http://0/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
      'http://[::]/', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://100.64.0.1/', 'https://10.0.0.1./', 'http://localhost/',
      'http://LOCALHOST./', 'http://0251.0376.0251.0376/',
    ];
    for (const url of urls) await expect(resolveAllowed(parseOutboundUrl(url).hostname), url).rejects.toBeInstanceOf(SsrfBlockedError);
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'ftp://example.com/', 'not a url']) expect(() => parseOutboundUrl(url), url).toThrow(SsrfBlockedError);
  });

  it('checks every DNS answer, and lets an allow-list open named hosts and ranges', async () => {
    const { resolve } = fakeDns({
      'public.test': [v4('93.184.216.34')],
      'mixed.test': [v4('93.184.216.34'), v4('10.0.0.1')],
      'internal.test': [v4('10.0.0.5')],
      'v6.test': [{ address: 'fd00:ec2::254', family: 6 }],
    });
    await expect(resolveAllowed('public.test', { resolve })).resolves.toEqual([v4('93.184.216.34')]);
    await expect(resolveAllowed('mixed.test', { resolve })).rejects.toThrow(/10\.0\.0\.1/);
    await expect(resolveAllowed('v6.test', { resolve })).rejects.toThrow(/uniqueLocal/);
    await expect(resolveAllowed('internal.test', { resolve })).rejects.toBeInstanceOf(SsrfBlockedError);
    await expect(resolveAllowed('internal.test', { resolve, allowHosts: ['Internal.Test'] })).resolves.toHaveLength(1);
    await expect(resolveAllowed('internal.test', { resolve, allowHosts: ['10.0.0.0/8'] })).resolves.toHaveLength(1);
    await expect(resolveAllowed('internal.test', { resolve, allowHosts: ['10.0.0.6', 'other.test'] })).rejects.toBeInstanceOf(SsrfBlockedError);
  });

  it('refuses a request to a loopback server unless the host is allowed', async () => {
    await expect(guardedRequest(`http://127.0.0.1:${port}/ok`)).rejects.toBeInstanceOf(SsrfBlockedError);
    const allowed = await guardedRequest(`http://127.0.0.1:${port}/ok`, {}, { allowHosts: ['127.0.0.1'] });
    expect(allowed.status).toBe(200);
    expect(allowed.body.toString()).toBe('answered /ok');
  });

  it('checks every redirect hop again', async () => {
    const { resolve } = fakeDns({ 'allowed.test': [v4('127.0.0.1')], 'rebound.test': [v4('10.1.1.1')], 'other.test': [v4('127.0.0.1')] });
    const policy = { resolve, allowHosts: ['allowed.test'] };
    const start = (path: string) => guardedRequest(`http://allowed.test:${port}${path}`, { headers: { authorization: 'Bearer secret' } }, policy);
    const before = seen.length;
    await expect(start('/to-metadata')).rejects.toThrow(/169\.254\.169\.254/);
    await expect(start('/to-loopback-literal')).rejects.toThrow(/127\.0\.0\.1/);
    await expect(start('/to-rebound-name')).rejects.toThrow(/10\.1\.1\.1/);
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/to-metadata', '/to-loopback-literal', '/to-rebound-name']);
    const followed = await start('/to-same-origin');
    expect(followed.body.toString()).toBe('answered /ok');
    expect(seen.at(-1)!.authorization).toBe('Bearer secret');
    const crossOrigin = await guardedRequest(`http://allowed.test:${port}/to-other-origin`, { headers: { authorization: 'Bearer secret' } }, { resolve, allowHosts: ['allowed.test', 'other.test'] });
    expect(crossOrigin.status).toBe(200);
    expect(seen.at(-1)!.authorization).toBeUndefined();
  });

  it('connects to the very address it checked, so a DNS answer that changes afterwards cannot redirect the connection', async () => {
    let answers = 0;
    // First answer loopback (allowed by range), every later one a private address.
    const { resolve, calls } = fakeDns({ 'flip.test': () => (answers++ === 0 ? [v4('127.0.0.1')] : [v4('10.9.9.9')]) });
    const policy = { resolve, allowHosts: ['127.0.0.1/32'] };
    const first = await guardedRequest(`http://flip.test:${port}/pinned`, {}, policy);
    expect(first.body.toString()).toBe('answered /pinned');
    expect(calls['flip.test']).toBe(1);
    await expect(guardedRequest(`http://flip.test:${port}/pinned`, {}, policy)).rejects.toThrow(/10\.9\.9\.9/);
    expect(calls['flip.test']).toBe(2);
  });
});
