import { describe, expect, it } from 'vitest';
import { UpstreamAuth } from '../../../src/core/auth/credentials';
import { entraScopeFor } from '../../../src/core/auth/hosts';
import type { TokenCredentialLike } from '../../../src/core/auth/token';
import { validateConfig } from '../../../src/core/config/validate';
import { Redactor } from '../../../src/core/log';

describe('the Entra scope follows the backend\'s cloud', () => {
  it('maps public, Government, China and other hosts', () => {
    expect(entraScopeFor('https://a.openai.azure.com')).toBe('https://cognitiveservices.azure.com/.default');
    expect(entraScopeFor('https://a.services.ai.azure.com')).toBe('https://cognitiveservices.azure.com/.default');
    expect(entraScopeFor('https://a.openai.azure.us')).toBe('https://cognitiveservices.azure.us/.default');
    expect(entraScopeFor('https://a.cognitiveservices.azure.us.')).toBe('https://cognitiveservices.azure.us/.default');
    expect(entraScopeFor('https://a.openai.azure.cn')).toBe('https://cognitiveservices.azure.cn/.default');
    expect(entraScopeFor('http://127.0.0.1:8080')).toBe('https://cognitiveservices.azure.com/.default');
    expect(entraScopeFor('not a url')).toBe('https://cognitiveservices.azure.com/.default');
  });

  it('asks the credential for each backend\'s own scope and caches per scope', async () => {
    const asked: string[] = [];
    const cred: TokenCredentialLike = {
      async getToken(scopes) {
        const s = [scopes].flat().join(' ');
        asked.push(s);
        return { token: `tok-for-${s.length}-${asked.length}-xxxxxxxx`, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const auth = new UpstreamAuth({ apiKey: () => undefined, tokenCredential: () => cred }, new Redactor());
    const cfg = validateConfig({
      backends: [
        { name: 'pub', endpoint: 'https://p.openai.azure.com', auth: 'entra' },
        { name: 'gov', endpoint: 'https://g.openai.azure.us', auth: 'entra' },
      ],
    });
    if (!cfg.ok) throw new Error('config');
    const [pub, gov] = cfg.config.backends;
    const a = await auth.headerFor(pub!);
    const b = await auth.headerFor(gov!);
    await auth.headerFor(pub!);
    await auth.headerFor(gov!);
    expect(asked).toEqual(['https://cognitiveservices.azure.com/.default', 'https://cognitiveservices.azure.us/.default']);
    expect(a.ok && b.ok && a.value !== b.value).toBe(true);
  });
});
