import { describe, expect, it } from 'vitest';
import type { BackendSnapshot } from '../../../src/core';
import { backendItem, deploymentItem, formatClock, hasCountdown, idleSnapshot, DEPLOYMENT_LOOK, STATUS_LOOK } from '../../../src/core/view';
import { validateConfig } from '../../../src/core/config';
import { credentialProblem, type CredentialSource } from '../../../src/core/auth/credentials';

const NOW = 1_700_000_000_000;

function snap(patch: Partial<BackendSnapshot> = {}): BackendSnapshot {
  return {
    name: 'eastus', endpoint: 'https://eastus.openai.azure.com', priority: 1, weight: 2, auth: 'apiKey', enabled: true,
    status: 'healthy', reason: undefined, cooldownUntil: 0, ejectedUntil: 0, latencyMs: 230, lastStatus: 200,
    lastError: undefined, lastErrorAt: undefined, remainingRequests: 700, remainingTokens: 118_000, requests: 12, failures: 1,
    throttled: 2, consecutiveFailures: 0, lastProbeAt: NOW - 20_000,
    deployments: [
      { alias: 'gpt-4o', deployment: 'gpt-4o-prod', status: 'healthy', cooldownUntil: 0, lastStatus: 200, requests: 10 },
      { alias: 'mini', deployment: 'mini', status: 'healthy', cooldownUntil: 0, lastStatus: undefined, requests: 0 },
    ],
    ...patch,
  };
}

const running = { now: NOW, running: true, hasKey: true };

describe('backendItem', () => {
  it('shows a healthy backend with latency and remaining quota', () => {
    const m = backendItem(snap(), running);
    expect(m).toMatchObject({ label: 'eastus', iconId: 'pass', colorId: 'charts.green' });
    expect(m.description).toBe('healthy · 118k tokens left · 230 ms');
    expect(m.contextValue).toBe(';backend;healthy;enabled;apiKey;keySet;configured;');
  });

  it('says until when a cooldown lasts, as a clock time that does not change every second', () => {
    const m = backendItem(snap({ status: 'cooling', reason: '429 from gpt-4o', cooldownUntil: NOW + 12_000 }), running);
    expect(m.iconId).toBe('watch');
    expect(m.description).toBe(`cooling down until ${formatClock(NOW + 12_000)}`);
    // Issue 13, item 2: a second later the row is the same, so it is not redrawn (which would close its hover).
    expect(backendItem(snap({ status: 'cooling', reason: '429 from gpt-4o', cooldownUntil: NOW + 12_000 }), { ...running, now: NOW + 1_000 }).description).toBe(m.description);
    // A clock time, not a countdown: the tooltip must not change every second (issue 13, item 2).
    expect(m.tooltipMarkdown).toContain(`Cooling down until ${formatClock(NOW + 12_000)}`);
    expect(backendItem(snap({ status: 'cooling', reason: '429 from gpt-4o', cooldownUntil: NOW + 12_000 }), { ...running, now: NOW + 1_000 }).tooltipMarkdown).toBe(m.tooltipMarkdown);
  });

  it('mentions deployments cooling down while the backend still serves others', () => {
    const s = snap();
    s.deployments[0]!.cooldownUntil = NOW + 6_000;
    // Not the green check while a deployment rests (issue 13, item 8).
    expect(backendItem(s, running)).toMatchObject({ description: `gpt-4o cooling until ${formatClock(NOW + 6_000)} · 118k tokens left · 230 ms`, iconId: 'warning', colorId: 'list.warningForeground' });
    s.deployments[1]!.cooldownUntil = NOW + 3_000;
    expect(backendItem(s, running).description).toMatch(/^2 deployments cooling · /);
  });

  it('gives the reason of an unhealthy backend and when it is retried', () => {
    const m = backendItem(snap({ status: 'unhealthy', reason: 'connect ECONNREFUSED', ejectedUntil: NOW + 5_000 }), running);
    expect(m).toMatchObject({ iconId: 'error', colorId: 'list.errorForeground' });
    expect(m.description).toBe(`unhealthy, retry at ${formatClock(NOW + 5_000)}: connect ECONNREFUSED`);
  });

  it.each([
    ['misconfigured', 'warning', 'misconfigured: 401: probe: the backend refused our credential'],
    ['signedOut', 'account', 'signed out'],
    ['keyMissing', 'key', 'API key missing'],
    ['disabled', 'circle-slash', 'disabled'],
  ] as const)('%s', (status, iconId, description) => {
    const reason = status === 'misconfigured' ? '401: probe: the backend refused our credential' : 'why';
    const m = backendItem(snap({ status, reason, enabled: status !== 'disabled' }), running);
    expect(m.iconId).toBe(iconId);
    expect(m.description).toBe(description);
    expect(m.contextValue).toContain(`;${status};`);
  });

  it('flags menus: enabled/disabled never match each other, simulated has no edit flags', () => {
    expect(backendItem(snap({ status: 'disabled', enabled: false }), running).contextValue).toMatch(/;disabled;/);
    expect(backendItem(snap({ status: 'disabled', enabled: false }), running).contextValue).not.toMatch(/;enabled;/);
    const sim = backendItem(snap(), { ...running, simulated: true, hasKey: false });
    expect(sim.contextValue).toBe(';backend;healthy;enabled;apiKey;simulated;');
    expect(backendItem(snap({ auth: 'entra' }), running).contextValue).toBe(';backend;healthy;enabled;entra;configured;');
  });

  it('draws a stopped proxy as stopped, but keeps what it knows without running', () => {
    expect(backendItem(snap(), { ...running, running: false })).toMatchObject({ iconId: 'circle-outline', description: 'proxy stopped' });
    expect(backendItem(snap({ status: 'keyMissing' }), { ...running, running: false }).iconId).toBe(STATUS_LOOK.keyMissing.iconId);
  });

  it('masks secrets and escapes markdown in upstream text', () => {
    const m = backendItem(snap({ status: 'misconfigured', reason: '401 key sk-SECRETSECRET', lastError: 'see [here](https://evil.example)', lastErrorAt: NOW - 65_000 }), {
      ...running,
      mask: (t) => t.replace('sk-SECRETSECRET', '***'),
    });
    expect(m.description).not.toContain('SECRET');
    expect(m.tooltipMarkdown).not.toContain('SECRET');
    expect(m.tooltipMarkdown).toContain('\\[here\\]\\(https://evil\\.example\\)');
    expect(m.tooltipMarkdown).toContain(`(at ${formatClock(NOW - 65_000)})`);
  });

  it('puts endpoint, priority/weight, auth and counts in the tooltip', () => {
    const t = backendItem(snap(), running).tooltipMarkdown;
    expect(t).toContain('`https://eastus.openai.azure.com`');
    expect(t).toContain('Priority 1 · weight 2');
    expect(t).toContain('SecretStorage');
    expect(t).toContain('Requests: 12 · failures 1 · throttled 2');
    expect(t).toContain('118k tokens, 700 requests');
  });

  it('cuts long reasons in the description only', () => {
    const reason = 'x'.repeat(200);
    const m = backendItem(snap({ status: 'misconfigured', reason }), running);
    expect(m.description.length).toBeLessThan(90);
    expect(m.tooltipMarkdown).toContain(reason);
  });
});

describe('deploymentItem', () => {
  it('shows the alias mapping, cooldown and requests', () => {
    const s = snap();
    const d = deploymentItem({ ...s.deployments[0]!, status: 'cooling', cooldownUntil: NOW + 3_000 }, s, running);
    expect(d).toMatchObject({ label: 'gpt-4o', iconId: 'watch', description: `cooling down until ${formatClock(NOW + 3_000)} · 10 requests · → gpt-4o-prod`, contextValue: ';deployment;cooling;' });
    expect(deploymentItem(s.deployments[1]!, s, running)).toMatchObject({ description: '', iconId: 'circle-filled' });
    const missing = deploymentItem({ ...s.deployments[1]!, status: 'misconfigured' }, s, running);
    expect(missing.description).toBe('not found on this resource');
    expect(deploymentItem(s.deployments[0]!, s, { ...running, running: false }).contextValue).toBe(';deployment;stopped;');
  });
});

describe('honest looks: no green before a success, none on a backend that cannot serve', () => {
  it('a backend nothing has answered yet is "not checked yet", and so are its deployments', () => {
    const s = snap({ status: 'unknown', latencyMs: undefined, remainingRequests: undefined, remainingTokens: undefined, lastStatus: undefined,
      deployments: [{ alias: 'gpt-4o', deployment: 'gpt-4o', status: 'unknown', cooldownUntil: 0, lastStatus: undefined, requests: 0 }] });
    const m = backendItem(s, running);
    expect(m).toMatchObject({ iconId: 'question', colorId: undefined, description: 'not checked yet' });
    expect(m.contextValue).toContain(';unknown;');
    expect(deploymentItem(s.deployments[0]!, s, running)).toMatchObject({ iconId: 'circle-outline', colorId: undefined, contextValue: ';deployment;unknown;' });
  });

  it('the deployments of an unhealthy backend are grey and say why, never green', () => {
    const s = snap({ status: 'unhealthy', reason: 'connection refused',
      deployments: [{ alias: 'gpt-4o', deployment: 'gpt-4o-prod', status: 'unavailable', cooldownUntil: 0, lastStatus: undefined, requests: 3 }] });
    const d = deploymentItem(s.deployments[0]!, s, running);
    expect(d.colorId).not.toBe('charts.green');
    expect(d).toMatchObject({ iconId: 'circle-filled', colorId: 'disabledForeground', description: 'backend unhealthy · 3 requests · → gpt-4o-prod', contextValue: ';deployment;unavailable;' });
    expect(backendItem(s, running).description).toBe('unhealthy: connection refused');
    expect(DEPLOYMENT_LOOK.healthy.colorId).toBe('charts.green');
  });
});

describe('countdown bookkeeping and idle snapshots', () => {
  it('knows when an item counts down', () => {
    expect(hasCountdown(snap(), NOW)).toBe(false);
    expect(hasCountdown(snap({ cooldownUntil: NOW + 1 }), NOW)).toBe(true);
    expect(hasCountdown(snap({ ejectedUntil: NOW + 1 }), NOW)).toBe(true);
    const s = snap();
    s.deployments[0]!.cooldownUntil = NOW + 10;
    expect(hasCountdown(s, NOW)).toBe(true);
  });

  it('builds snapshots from config while the proxy is stopped', () => {
    const r = validateConfig({
      backends: [
        { name: 'a', endpoint: 'https://a.openai.azure.com', deployments: ['gpt-4o'] },
        { name: 'b', endpoint: 'https://b.openai.azure.com', enabled: false },
        { name: 'c', endpoint: 'https://c.openai.azure.com', auth: 'entra' },
      ],
    });
    if (!r.ok) throw new Error('invalid');
    const [a, b, c] = r.config.backends;
    // The same rule as a running proxy: credentialProblem() from a credential source.
    const source = (key: string | undefined, signedIn: boolean, extra: Partial<CredentialSource> = {}): CredentialSource =>
      ({ apiKey: () => key, tokenCredential: () => (signedIn ? { getToken: async () => null } : undefined), ...extra });
    const idle = (x: typeof a, src: CredentialSource) => idleSnapshot(x!, credentialProblem(src, x!));
    expect(idle(a, source(undefined, true))).toMatchObject({ status: 'keyMissing', reason: expect.stringContaining('no API key') });
    // Nothing is known about health while stopped: "not checked yet", never healthy, never a green dot.
    expect(idle(a, source(undefined, true))).toMatchObject({ deployments: [{ status: 'unavailable' }] });
    expect(idle(a, source('k', false))).toMatchObject({ status: 'unknown', reason: undefined, deployments: [{ alias: 'gpt-4o', deployment: 'gpt-4o', status: 'unknown' }] });
    expect(idle(b, source(undefined, false))).toMatchObject({ status: 'disabled', reason: undefined });
    expect(idle(c, source(undefined, true)).status).toBe('unknown');
    expect(idle(c, source(undefined, false))).toMatchObject({ status: 'signedOut', reason: expect.stringContaining('Sign in to Azure') });
    const withheld = source('k', true, { withheld: () => ({ state: 'awaitingApproval', reason: 'from the workspace' }) });
    expect(idle(a, withheld)).toMatchObject({ status: 'awaitingApproval', reason: 'from the workspace' });
    expect(idle(c, withheld).status).toBe('awaitingApproval');
  });

  it('shows refused and waiting backends with their own look, also while the proxy is stopped', () => {
    const refused = snap({ status: 'hostRefused', reason: 'no credential sent to evil.test: ... add "evil.test" to aoaiPool.security.credentialHosts' });
    const waiting = snap({ status: 'awaitingApproval', reason: 'from this workspace\'s settings, waiting for your approval' });
    for (const running of [true, false]) {
      const r = backendItem(refused, { now: NOW, running });
      expect(r).toMatchObject({ iconId: 'lock', description: 'credentials refused: host not allowed' });
      expect(r.contextValue).toContain(';hostRefused;');
      expect(r.tooltipMarkdown).toContain('aoaiPool\\.security\\.credentialHosts');
      const w = backendItem(waiting, { now: NOW, running });
      expect(w).toMatchObject({ iconId: 'shield', description: 'waiting for approval' });
      expect(w.contextValue).toContain(';awaitingApproval;');
    }
  });
});
