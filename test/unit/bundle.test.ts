// Activation loads dist/extension.js alone: the heavy parts must stay in their chunks (issue 13, item 15),
// in dist/discovery-arm.js (issue 11) and in dist/tokenizer/ (issue 12).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';

const { builds, LAZY } = createRequire(import.meta.url)('../../esbuild.js') as { builds: esbuild.BuildOptions[]; LAZY: Record<string, string> };

describe('the extension bundle', () => {
  it('leaves the proxy (undici), @azure/identity, the simulator, the generators, the dashboard, the tool writers, the Resource Manager SDKs and the tokenizer out', async () => {
    const main = builds.find((b) => b.outfile === 'dist/extension.js')!;
    const r = await esbuild.build({ ...main, write: false, metafile: true, minify: true, sourcemap: false, logLevel: 'silent' });
    // What ended up in the output (the metafile's top-level inputs also list files parsed and then shaken off).
    const out = Object.values(r.metafile.outputs)[0]!;
    const inputs = Object.entries(out.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([name]) => name);
    // The bundle really is the shell, with the LM provider and discovery's prompts: otherwise the checks below would pass on an empty build.
    for (const part of ['src/extension.ts', 'src/vscode/controller.ts', 'src/vscode/lm/provider.ts', 'src/core/tokens/index.ts', 'src/vscode/discover/command.ts', 'src/vscode/commands/connectTool.ts']) {
      expect(inputs, part).toContain(part);
    }
    // (Module-level constants of shaken-off files may linger: a few bytes, no code.)
    const heavy = ['node_modules/undici/', 'node_modules/@azure/', 'node_modules/gpt-tokenizer/', 'node_modules/yaml/', 'node_modules/smol-toml/',
      'src/core/proxy/server.ts', 'src/core/proxy/stages/forward.ts', 'src/core/simulator/server.ts', 'src/core/generators/bicep.ts',
      'src/vscode/dashboard/panel.ts', 'src/core/discovery/arm.ts', 'src/core/tools/continue.ts', 'src/core/tools/codex.ts'];
    expect(inputs.filter((i) => heavy.some((x) => i.startsWith(x)))).toEqual([]);
    const text = r.outputFiles[0]!.text;
    for (const chunk of Object.keys(LAZY)) expect(text, chunk).toContain(`require("./${chunk}.js")`);
    expect(text).toContain('require("./discovery-arm.js")');
    expect(text).toContain('require("./tokenizer/o200k_base.js")');
    expect(text).toContain('require("./tokenizer/cl100k_base.js")');
    // A dynamic import() would not run on the extension host's CommonJS loader in every VS Code version.
    expect(text).not.toMatch(/\bimport\(/);
  }, 60_000);
});
