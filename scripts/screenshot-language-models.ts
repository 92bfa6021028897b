// Takes docs/images/language-models.png: the real workbench (code-server 1.139,
// no Copilot) on the simulated demo, with "Chat: Manage Language Models" open,
// where the pool's models show with their context size and capabilities.
//   node esbuild.js && npx tsx scripts/screenshot-language-models.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workbench } from '../test/ui/driver';

const VIEW = 'aoaiPool.backends';

async function main(): Promise<void> {
  const wb = await Workbench.open({
    flavor: 'stable',
    // The test runs turn AI features off; the model manager needs them.
    settings: { 'chat.disableAIFeatures': false, 'aoaiPool.port': 8787, 'workbench.colorTheme': 'Default Dark Modern', 'remote.autoForwardPorts': false },
  });
  try {
    await wb.clickActivityBar('AOAI Pool');
    await new Promise((r) => setTimeout(r, 2000));
    await wb.runCommand('AOAI Pool: Try with Simulated Backends');
    await wb.waitForTreeRows(VIEW, (rows) => rows.filter((r) => /^healthy/.test(r.description)).length === 3, 'three healthy backends');
    await wb.clearNotifications();
    await wb.runCommand('Chat: Manage Language Models');
    await wb.page.getByText('gpt-4o-mini').first().waitFor();
    const shot = await wb.screenshot('language-models');
    fs.copyFileSync(shot, path.join(__dirname, '..', 'docs', 'images', 'language-models.png'));
    console.log('docs/images/language-models.png');
  } finally {
    await wb.close();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
