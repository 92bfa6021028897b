// Which hosts may receive API keys and Entra tokens (issue 9): Azure OpenAI /
// AI Services in every cloud, loopback, and what the user allows; nothing that
// merely looks like one of them.
import { describe, expect, it } from 'vitest';
import { AZURE_AI_HOST_ZONES, credentialHostVerdict, parseHostPattern } from '../../../src/core/auth/hosts';

const verdict = (endpoint: string, allowed: string[] = []) => credentialHostVerdict(endpoint, allowed);
const ok = (endpoint: string, allowed: string[] = []) => verdict(endpoint, allowed).ok;

describe('credential hosts: Azure OpenAI / AI Services', () => {
  it('allows a resource in each cloud: public, Government, China', () => {
    for (const endpoint of [
      'https://my-resource.openai.azure.com',
      'https://my-resource.cognitiveservices.azure.com',
      'https://my-project.services.ai.azure.com',
      'https://agency.openai.azure.us',
      'https://agency.cognitiveservices.azure.us',
      'https://contoso.openai.azure.cn',
      'https://contoso.cognitiveservices.azure.cn',
    ]) expect(verdict(endpoint), endpoint).toEqual({ ok: true, why: 'azure' });
    expect(AZURE_AI_HOST_ZONES).toHaveLength(7);
  });

  it('ignores case, the default port and one trailing dot (the same DNS name)', () => {
    expect(ok('https://My-Resource.OpenAI.Azure.COM')).toBe(true);
    expect(ok('https://my-resource.openai.azure.com:443')).toBe(true);
    expect(ok('https://my-resource.openai.azure.com.')).toBe(true);
    // Any port of a Microsoft host is still that host.
    expect(ok('https://my-resource.openai.azure.com:8443')).toBe(true);
  });

  it('refuses lookalikes: a suffix that is not a subdomain, a zone under another domain, the bare zone', () => {
    for (const endpoint of [
      'https://my-resource.openai.azure.com.evil.test',
      'https://openai.azure.com.evil.test',
      'https://evilopenai.azure.com',
      'https://my-resource-openai.azure.com',
      'https://openai.azure.com',
      'https://services.ai.azure.com',
      'https://my-resource.openai.azure.co',
      'https://my-resource.openai.azure.com..',
      'https://my_resource.openai.azure.com',
      'https://my-resource.openai.azure.com%2eevil.test',
      'https://my-resource.openai.azure.com@evil.test',
      'https://xn--my-resource-7ca.openai.azure.com.evil.test',
      'https://my-resource.openai.azure.us.evil.test',
      'https://my-resource.openai.azure.de',
    ]) {
      const v = verdict(endpoint);
      expect(v.ok, endpoint).toBe(false);
    }
    // The reason names the host actually contacted, and what would be accepted.
    const v = verdict('https://my-resource.openai.azure.com.evil.test');
    expect(v).toMatchObject({ ok: false, host: 'my-resource.openai.azure.com.evil.test', reason: expect.stringContaining('*.openai.azure.com') });
    expect(verdict('https://my-resource.openai.azure.com@evil.test')).toMatchObject({ ok: false, host: 'evil.test' });
  });

  it('refuses plain http to anything but loopback, and what is not a URL', () => {
    expect(verdict('http://my-resource.openai.azure.com')).toMatchObject({ ok: false, reason: expect.stringContaining('plain http') });
    expect(verdict('ftp://my-resource.openai.azure.com').ok).toBe(false);
    expect(verdict('not a url').ok).toBe(false);
  });
});

describe('credential hosts: loopback simulators', () => {
  it('allows 127.0.0.1, localhost and [::1], on any port, over http or https', () => {
    for (const endpoint of ['http://127.0.0.1:8080', 'http://localhost:1234', 'http://[::1]:99', 'https://127.0.0.1', 'http://LOCALHOST:5']) {
      expect(verdict(endpoint), endpoint).toEqual({ ok: true, why: 'loopback' });
    }
  });

  it('allows nothing that only resolves to loopback or resembles it', () => {
    for (const endpoint of ['https://localhost.', 'https://127.0.0.1.nip.io', 'https://localhost.evil.test', 'https://evil.localhost', 'https://[::ffff:127.0.0.1]', 'https://10.0.0.5']) {
      expect(ok(endpoint), endpoint).toBe(false);
    }
  });
});

describe('credential hosts: allowed by the user', () => {
  it('allows an exact host, with or without a port', () => {
    expect(verdict('https://gw.contoso.com', ['gw.contoso.com'])).toEqual({ ok: true, why: 'allowed' });
    expect(ok('https://GW.Contoso.com.', ['gw.contoso.com'])).toBe(true);
    expect(ok('https://gw.contoso.com', ['gw.contoso.com.'])).toBe(true);
    expect(ok('https://gw.contoso.com:8443', ['gw.contoso.com'])).toBe(true);
    expect(ok('https://gw.contoso.com:8443', ['gw.contoso.com:8443'])).toBe(true);
    expect(ok('https://gw.contoso.com', ['gw.contoso.com:443'])).toBe(true);
    expect(ok('https://gw.contoso.com:9443', ['gw.contoso.com:8443'])).toBe(false);
    expect(ok('https://gw.contoso.com', ['gw.contoso.com:8443'])).toBe(false);
  });

  it('matches an exact host exactly, and a wildcard only below its domain', () => {
    expect(ok('https://gw.contoso.com.evil.test', ['gw.contoso.com'])).toBe(false);
    expect(ok('https://evilgw.contoso.com', ['gw.contoso.com'])).toBe(false);
    expect(ok('https://contoso.com', ['gw.contoso.com'])).toBe(false);
    expect(ok('https://a.contoso.com', ['*.contoso.com'])).toBe(true);
    expect(ok('https://a.b.contoso.com', ['*.contoso.com'])).toBe(true);
    expect(ok('https://contoso.com', ['*.contoso.com'])).toBe(false);
    expect(ok('https://evilcontoso.com', ['*.contoso.com'])).toBe(false);
    expect(ok('https://a.contoso.com.evil.test', ['*.contoso.com'])).toBe(false);
    expect(ok('https://10.0.0.5', ['10.0.0.5'])).toBe(true);
  });

  it('still refuses plain http to an allowed host', () => {
    expect(ok('http://gw.contoso.com', ['gw.contoso.com'])).toBe(false);
  });

  it('ignores entries that are not host patterns, and says why for each', () => {
    expect(ok('https://a.contoso.com', ['*', '*.com', 'https://a.contoso.com', 'a.contoso.com/path'])).toBe(false);
    expect(parseHostPattern('*')).toMatchObject({ error: expect.stringContaining('not a valid host name') });
    expect(parseHostPattern('*.com')).toMatchObject({ error: expect.stringContaining('too broad') });
    expect(parseHostPattern('https://gw.contoso.com')).toMatchObject({ error: expect.stringContaining('no scheme') });
    expect(parseHostPattern('gw.contoso.com:70000')).toMatchObject({ error: expect.stringContaining('1-65535') });
    expect(parseHostPattern('gw_1.contoso.com')).toMatchObject({ error: expect.stringContaining('not a valid host name') });
    expect(parseHostPattern('[::1]:8080')).toMatchObject({ error: expect.stringContaining('IPv6') });
    expect(parseHostPattern(' *.Contoso.com:8443 ')).toEqual({ host: 'contoso.com', wildcard: true, port: 8443 });
  });
});
