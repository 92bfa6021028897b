// Activation loads dist/extension.js alone: the heavy parts must stay in their chunks (issue 13, item 15).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';

const { builds, LAZY } = createRequire(import.meta.url)('../../esbuild.js') as { builds: esbuild.BuildOptions[]; LAZY: Record<string, string> };

describe('the extension bundle', () => {
  it('leaves the proxy (undici), @azure/identity, the simulator, the generators and the dashboard to their chunks', async () => {
    const main = builds.find((b) => b.outfile === 'dist/extension.js')!;
    const r = await esbuild.build({ ...main, write: false, metafile: true, minify: true, sourcemap: false, logLevel: 'silent' });
    // What ended up in the output (the metafile's top-level inputs also list files parsed and then shaken off).
    const out = Object.values(r.metafile.outputs)[0]!;
    const inputs = Object.entries(out.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([name]) => name);
    // The bundle really is the shell: otherwise the checks below would pass on an empty build.
    expect(inputs).toContain('src/extension.ts');
    expect(inputs).toContain('src/vscode/controller.ts');
    // (Module-level constants of shaken-off files may linger: a few bytes, no code.)
    const heavy = ['node_modules/undici/', 'node_modules/@azure/', 'src/core/proxy/server.ts', 'src/core/proxy/stages/forward.ts', 'src/core/simulator/server.ts',
      'src/core/generators/bicep.ts', 'src/vscode/dashboard/panel.ts'];
    expect(inputs.filter((i) => heavy.some((x) => i.startsWith(x)))).toEqual([]);
    const text = r.outputFiles[0]!.text;
    for (const chunk of Object.keys(LAZY)) expect(text, chunk).toContain(`require("./${chunk}.js")`);
  }, 60_000);
});
