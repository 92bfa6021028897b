/** Shared by the simulator's own tests: start simulators, close them after each test. */
import { afterEach } from 'vitest';
import { startSimulatedBackends, type SimBackendOptions, type SimulatedBackend } from '../../src/core/simulator';

// Tests poke into deep Azure-shaped JSON; typing every shape here would only restate the simulator.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export const json = (res: Response): Promise<Json> => res.json() as Promise<Json>;

const open: SimulatedBackend[] = [];

/** Registers the cleanup in the calling test file. */
export function closeSimsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
}

/** Closes these with the others after the test. */
export function track(...backends: SimulatedBackend[]): void {
  open.push(...backends);
}

export async function sim(opts: Partial<SimBackendOptions> = {}): Promise<SimulatedBackend> {
  const [b] = await startSimulatedBackends([{ name: 'sim-1', ...opts }]);
  open.push(b!);
  return b!;
}
