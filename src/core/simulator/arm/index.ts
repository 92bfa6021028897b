/**
 * `aoai-pool simulate --arm`: a Resource Manager stand-in over TLS with a
 * fresh test CA, plus one simulated Azure OpenAI data plane per account that
 * answers for that account's deployments with that account's key. Discovery
 * runs against it with the real SDK clients, pointed at `url` and trusting `ca`.
 */
import { randomBytes } from 'node:crypto';
import type { TokenCredentialLike } from '../../auth/token';
import { startSimulatedBackends } from '../index';
import type { SimulatedBackend } from '../server';
import { ArmStandIn } from './server';
import { createTestTls, type TestTls } from './tls';
import { defaultArmWorld, type ArmWorld } from './world';

export { ArmStandIn, type ArmRequestRecord } from './server';
export { createTestTls, type TestTls } from './tls';
export * from './world';

export interface ArmSimulator {
  /** Resource Manager endpoint: `https://127.0.0.1:PORT`. */
  url: string;
  /** The test CA (PEM) that signed the endpoint's certificate. */
  ca: string;
  arm: ArmStandIn;
  /** One data plane per OpenAI / AIServices account, named like the account. */
  backends: SimulatedBackend[];
  world: ArmWorld;
  close(): Promise<void>;
}

export async function startArmSimulator(opts: { world?: ArmWorld; tls?: TestTls } = {}): Promise<ArmSimulator> {
  const world = opts.world ?? defaultArmWorld();
  const accounts = world.subscriptions.flatMap((s) => s.accounts).filter((a) => a.kind === 'OpenAI' || a.kind === 'AIServices');
  const tls = opts.tls ?? createTestTls();
  const keys = new Map(accounts.map((a) => [a.name, { key1: randomBytes(16).toString('hex'), key2: randomBytes(16).toString('hex') }]));
  const backends = await startSimulatedBackends(accounts.map((a) => ({
    name: a.name,
    apiKey: keys.get(a.name)!.key1,
    deployments: a.deployments.map((d) => d.name),
    bearerWithoutRole: a.noDataPlaneRole ?? false,
    tokensPerMinute: a.deployments[0] ? a.deployments[0].capacity * 1000 : undefined,
  })));
  const arm = new ArmStandIn(world, tls, new Map(backends.map((b) => [b.name, b.url])), keys);
  try {
    await arm.start();
  } catch (e) {
    await Promise.all(backends.map((b) => b.close()));
    throw e;
  }
  return {
    url: arm.url, ca: tls.ca, arm, backends, world,
    close: async () => {
      await Promise.all([arm.close(), ...backends.map((b) => b.close())]);
    },
  };
}

/**
 * A credential for the stand-in: unsigned tokens that carry the tenant
 * (`tid`), a user object id and name, like real Entra tokens do.
 */
export function testArmCredential(tenantId: string | undefined, user = { oid: '0b5e5c1a-0000-4000-8000-00000000a11c', upn: 'dev@contoso.onmicrosoft.com' }): TokenCredentialLike {
  return {
    getToken: async () => ({ token: testToken({ tid: tenantId, ...user }), expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

/** `header.payload.signature` with base64url JSON claims and no real signature. */
export function testToken(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.sim`;
}
