// UI test: "Add Backends from Azure…" in a real workbench, driven like a
// user: the welcome button, VS Code's sign-in consent, the subscription and
// deployment quick picks (grouped by model), the proposal, and the saved pool
// in the tree. Resource Manager is the stand-in (src/core/simulator/arm) on
// https://127.0.0.1 with a test CA that the extension host trusts through
// NODE_EXTRA_CA_CERTS; the sign-in provider is the test fixture.
// UPDATE_SCREENSHOTS=1 copies the stable deployment picker to docs/images/discover.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../scripts/vscode-test/config.mjs';
import { createTestTls, startArmSimulator, type ArmSimulator } from '../../src/core/simulator/arm';
import { flavorsFromEnv, Workbench } from './driver';

const VIEW = 'aoaiPool.backends';
const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'extensions', 'test-microsoft-auth');

for (const flavor of flavorsFromEnv()) {
  describe(`Add Backends from Azure in the workbench (VS Code ${flavor})`, () => {
    let wb: Workbench;
    let arm: ArmSimulator;
    let tlsDir: string;

    before(async () => {
      const tls = createTestTls();
      tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-pool-ui-tls-'));
      fs.writeFileSync(path.join(tlsDir, 'ca.pem'), tls.ca);
      // code-server, and so the extension host, inherit it: Node reads it once at start-up.
      process.env.NODE_EXTRA_CA_CERTS = path.join(tlsDir, 'ca.pem');
      arm = await startArmSimulator({ tls });
      wb = await Workbench.open({
        flavor,
        extensions: [FIXTURE],
        settings: {
          'workbench.colorTheme': 'Default Dark Modern',
          'aoaiPool.autoStart': false,
          'remote.autoForwardPorts': false,
          // VS Code 1.100 otherwise replaces Node's CA list (and NODE_EXTRA_CA_CERTS) with the OS certificates.
          'http.systemCertificates': false,
          'microsoft-sovereign-cloud.environment': 'custom',
          'microsoft-sovereign-cloud.customEnvironment': {
            name: 'Simulated Azure', portalUrl: 'https://127.0.0.1/', managementEndpointUrl: `${arm.url}/`, resourceManagerEndpointUrl: `${arm.url}/`,
            activeDirectoryEndpointUrl: 'https://127.0.0.1/', activeDirectoryResourceId: `${arm.url}/`,
          },
        },
      });
    });

    after(async () => {
      await wb?.close();
      await arm?.close();
      delete process.env.NODE_EXTRA_CA_CERTS;
      fs.rmSync(tlsDir, { recursive: true, force: true });
    });

    it('goes from the welcome button to a pool of deployments picked by model, without typing an endpoint, name or key', async () => {
      await wb.clickActivityBar('AOAI Pool');
      assert.deepEqual((await wb.welcomeButtons(VIEW)).slice(0, 2), ['Add Backends from Azure…', 'Add Backend']);
      await wb.clickWelcomeButton(VIEW, 'Add Backends from Azure…');
      // VS Code's own consent for the sign-in.
      await wb.answerDialog(/wants to sign in/, 'Allow');

      await wb.waitForQuickPick('Add Backends from Azure');
      const subs = await wb.quickPickRows();
      assert.deepEqual(subs.filter((r) => r.checked).map((r) => r.label), ['Contoso AI Production', 'Contoso Dev', 'Contoso Finance (no access)', 'Fabrikam Research']);
      await wb.acceptQuickInput();

      // The deployments, grouped by model; the unreadable ones last, with why.
      await wb.page.locator('.quick-input-widget .label-name', { hasText: 'contoso-swedencentral / gpt-4o-ptu' }).waitFor({ timeout: 30_000 });
      const rows = (await wb.quickPickRows()).map((r) => r.label);
      assert.ok(rows.includes('contoso-eastus2 / gpt-4o-mini'), JSON.stringify(rows));
      for (const label of ['contoso-swedencentral / gpt-4o-ptu', 'contoso-swedencentral / gpt-4o', 'contoso-eastus2 / gpt-4o', 'fabrikam-japaneast / gpt-4o', 'contoso-eastus2 / gpt-4o-mini', 'contoso-dev-westus3 / gpt-4o-mini']) {
        await wb.toggleQuickPickRow(label);
      }
      const shot = await wb.screenshot('discover');
      if (process.env.UPDATE_SCREENSHOTS === '1' && flavor === 'stable') fs.copyFileSync(shot, path.join(repoRoot, 'docs', 'images', 'discover.png'));
      assert.deepEqual((await wb.quickPickRows()).filter((r) => r.checked).length, 6);
      await wb.acceptQuickInput();

      // The proposal: save it as proposed.
      await wb.page.locator('.quick-input-widget .label-name', { hasText: /Save 6 backends to user settings/ }).waitFor({ timeout: 20_000 });
      await wb.screenshot('discover-proposal');
      await wb.acceptQuickInput();
      // Authentication: Entra ID for every account (nothing checked).
      await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'authentication' }).waitFor();
      await wb.acceptQuickInput();

      // The pool's Entra tokens come from the Microsoft sign-in: VS Code asks once more for it.
      await wb.answerDialog(/wants to sign in/, 'Allow');
      const tree = await wb.waitForTreeRows(VIEW, (r) => r.filter((x) => x.level === 1).length === 6, 'six backends and no sign-in row');
      assert.deepEqual(tree.filter((r) => r.level === 1).map((r) => r.label).sort(), [
        'contoso-dev-westus3', 'contoso-eastus2-gpt-4o', 'contoso-eastus2-gpt-4o-mini', 'contoso-swedencentral-gpt-4o', 'contoso-swedencentral-gpt-4o-ptu', 'fabrikam-japaneast',
      ]);
      assert.deepEqual(wb.blocked, []);
    });
  });
}
