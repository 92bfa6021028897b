/**
 * "AOAI Pool: Connect a Tool…": points a coding tool at the pool. Files are
 * previewed as a diff and written only on "Write"; what cannot be written
 * from here gets exact steps. Only the pool's client key is ever involved
 * (or an environment variable that holds it), never an Azure key.
 * The formats and their sources are in docs/tools.md; the writers are pure
 * functions in src/core/tools.
 *
 * Argument for automation and tests: `{ tool, folder?, confirm?, codexDefault? }`
 * skips the pick (`confirm: false` also skips the preview).
 */
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { listPoolAliases, modelSourcesOf, poolChatModels } from '../../core/lm';
// Not the tools index: the YAML and TOML writers (./files) load when a file of theirs is written (esbuild.js LAZY).
import { appendGitignore, mergeDotenv } from '../../core/tools/dotenv';
import { clientEnvironment } from '../../core/tools/env';
import { clineSteps, curlCommand } from '../../core/tools/instructions';
import { CODEX_PROVIDER_ID, CONTINUE_SECRET } from '../../core/tools/names';
import type { Shell } from '../shell';
import { KEY_PLACEHOLDER, previewAndWrite, readText, type FileChange } from '../tools/preview';

export const TOOLS = ['dotenv', 'continue', 'cline', 'codex', 'curl', 'baseUrlKey'] as const;
type Tool = (typeof TOOLS)[number];

interface Options {
  tool?: Tool;
  folder?: string;
  confirm?: boolean;
  codexDefault?: boolean;
}

interface Pool {
  url: string;
  clientKey: string;
  aliases: string[];
  chat: string[];
}

const ITEMS: (vscode.QuickPickItem & { tool: Tool })[] = [
  { tool: 'dotenv', label: '$(file-code) OpenAI / Azure OpenAI SDKs', description: '.env in the workspace', detail: 'OPENAI_BASE_URL, OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION; .env added to .gitignore' },
  { tool: 'continue', label: '$(comment-discussion) Continue', description: '~/.continue/config.yaml', detail: 'a model entry per alias; the key as ${{ secrets.AOAI_POOL_CLIENT_KEY }} in ~/.continue/.env' },
  { tool: 'cline', label: '$(hubot) Cline', description: 'OpenAI Compatible provider', detail: 'step by step, with the base URL and key to copy (Cline keeps its settings to itself)' },
  { tool: 'codex', label: '$(terminal) Codex CLI', description: '~/.codex/config.toml', detail: `a [model_providers.${CODEX_PROVIDER_ID}] provider, optionally the default` },
  { tool: 'curl', label: '$(copy) Copy as curl', description: 'a chat request that runs in a VS Code terminal' },
  { tool: 'baseUrlKey', label: '$(key) Copy base URL and key', description: 'OPENAI_BASE_URL and OPENAI_API_KEY lines' },
];

export async function connectTool(shell: Shell, arg?: unknown): Promise<void> {
  const opts = (typeof arg === 'object' && arg !== null ? arg : {}) as Options;
  const pool = await runningPool(shell);
  if (!pool) return;
  const tool = opts.tool ?? (await vscode.window.showQuickPick(ITEMS, { title: 'AOAI Pool: Connect a Tool', placeHolder: `Point a tool at ${pool.url}`, matchOnDetail: true }))?.tool;
  if (!tool) return;
  if (!TOOLS.includes(tool)) throw new Error(`unknown tool "${String(tool)}": one of ${TOOLS.join(', ')}`);
  const confirm = opts.confirm !== false;
  switch (tool) {
    case 'dotenv':
      return writeDotenv(pool, opts, confirm);
    case 'continue':
      return writeContinue(pool, confirm);
    case 'codex':
      return writeCodex(pool, opts, confirm);
    case 'cline':
      return showCline(pool);
    case 'curl':
      await vscode.env.clipboard.writeText(curlCommand({ url: pool.url, model: pool.chat[0] ?? 'gpt-4o' }));
      vscode.window.setStatusBarMessage('AOAI Pool: curl command copied (it reads the key from $AZURE_OPENAI_API_KEY, set in VS Code terminals)', 5000);
      return;
    case 'baseUrlKey':
      await vscode.env.clipboard.writeText(`OPENAI_BASE_URL=${pool.url}/v1\nOPENAI_API_KEY=${pool.clientKey}\n`);
      vscode.window.setStatusBarMessage('AOAI Pool: base URL and client key copied to the clipboard', 5000);
      return;
  }
}

/** The pool the tools should use: this window's or another window's; undefined (after saying how to start it) when none runs. */
async function runningPool(shell: Shell): Promise<Pool | undefined> {
  const s = shell.controller.current;
  if ((s.status !== 'running' && s.status !== 'elsewhere') || !s.url) {
    void vscode.window.showErrorMessage('AOAI Pool: the proxy is not running, and the tools need its address. Start it first.', 'Start Proxy', 'Try with Simulated Backends')
      .then((pick) => pick && vscode.commands.executeCommand(pick === 'Start Proxy' ? 'aoaiPool.startProxy' : 'aoaiPool.trySimulated'));
    return undefined;
  }
  const clientKey = await shell.controller.clientKey();
  const config = shell.controller.proxyServer?.config ?? shell.controller.settingsConfig;
  let aliases = [...new Set((config?.backends ?? []).filter((b) => b.enabled).flatMap((b) => Object.keys(b.deployments ?? {})))].sort();
  if (s.status === 'elsewhere') aliases = (await listPoolAliases(s.url, clientKey)) ?? aliases;
  const chat = poolChatModels(modelSourcesOf(config?.backends ?? [])).map((m) => m.id).filter((a) => aliases.includes(a));
  return { url: s.url, clientKey, aliases, chat: chat.length ? chat : aliases };
}

async function writeDotenv(pool: Pool, opts: Options, confirm: boolean): Promise<void> {
  const folder = opts.folder ? vscode.Uri.file(opts.folder) : await pickFolder();
  if (!folder) return;
  const envUri = vscode.Uri.joinPath(folder, '.env');
  const before = await readText(envUri);
  const vars = clientEnvironment(pool.url, pool.clientKey);
  const changes: FileChange[] = [{
    uri: envUri, before,
    after: mergeDotenv(before, vars),
    shown: mergeDotenv(before, { ...vars, OPENAI_API_KEY: KEY_PLACEHOLDER, AZURE_OPENAI_API_KEY: KEY_PLACEHOLDER }),
  }];
  if (!(await gitIgnores(folder.fsPath, '.env'))) {
    const gitignore = vscode.Uri.joinPath(folder, '.gitignore');
    const old = await readText(gitignore);
    const next = appendGitignore(old, '.env');
    changes.push({ uri: gitignore, before: old, after: next, shown: next });
  }
  const ignoreNote = changes.length > 1 ? ' .env is not ignored by git yet: it is added to .gitignore.' : '';
  const wrote = await previewAndWrite('write .env for the OpenAI and Azure OpenAI SDKs?',
    changes, `Sets ${Object.keys(vars).join(', ')} to the pool at ${pool.url} with its client key (not an Azure key).${ignoreNote}`, confirm);
  if (wrote) void vscode.window.showInformationMessage(`AOAI Pool: wrote ${envUri.fsPath}. SDKs that load .env (python-dotenv, dotenv, node --env-file) now use the pool.`);
}

async function writeContinue(pool: Pool, confirm: boolean): Promise<void> {
  const dir = vscode.Uri.file(`${homedir()}/.continue`);
  const configUri = vscode.Uri.joinPath(dir, 'config.yaml');
  const secretsUri = vscode.Uri.joinPath(dir, '.env');
  const [config, secrets, { continueModels, mergeContinueConfig }] = await Promise.all([readText(configUri), readText(secretsUri), import('../../core/tools/files')]);
  const yaml = mergeContinueConfig(config, continueModels(pool.url, pool.aliases), configUri.fsPath);
  const changes: FileChange[] = [
    { uri: configUri, before: config, after: yaml, shown: yaml },
    { uri: secretsUri, before: secrets, after: mergeDotenv(secrets, { [CONTINUE_SECRET]: pool.clientKey }), shown: mergeDotenv(secrets, { [CONTINUE_SECRET]: KEY_PLACEHOLDER }) },
  ];
  const wrote = await previewAndWrite('add the pool\'s models to Continue?', changes,
    `Adds a model per alias (${pool.aliases.join(', ')}) using ${pool.url}/v1. The key stays out of config.yaml: it reads \${{ secrets.${CONTINUE_SECRET} }} from ~/.continue/.env.`, confirm);
  if (wrote) void vscode.window.showInformationMessage('AOAI Pool: Continue now lists the pool\'s models (named "<alias> (AOAI Pool)").');
}

async function writeCodex(pool: Pool, opts: Options, confirm: boolean): Promise<void> {
  const model = pool.chat[0] ?? pool.aliases[0] ?? 'gpt-4o';
  let makeDefault = opts.codexDefault;
  if (makeDefault === undefined) {
    const pick = await vscode.window.showQuickPick([
      { label: 'Add the provider only', description: `run: codex -c model_provider='"${CODEX_PROVIDER_ID}"' -m ${model}`, value: false },
      { label: 'Add the provider and make it Codex\'s default', description: `model_provider = "${CODEX_PROVIDER_ID}", model = "${model}"`, value: true },
    ], { title: 'AOAI Pool: Codex CLI' });
    if (!pick) return;
    makeDefault = pick.value;
  }
  const home = process.env.CODEX_HOME || `${homedir()}/.codex`;
  const uri = vscode.Uri.file(`${home}/config.toml`);
  const [before, { mergeCodexConfig }] = await Promise.all([readText(uri), import('../../core/tools/files')]);
  // env_key names a variable, never a key: VS Code terminals have AZURE_OPENAI_API_KEY = the client key while the pool runs.
  const provider = { name: 'AOAI Pool', base_url: `${pool.url}/v1`, env_key: 'AZURE_OPENAI_API_KEY', wire_api: 'responses' as const };
  const after = mergeCodexConfig(before, { provider, ...(makeDefault ? { makeDefault: { model } } : {}), file: uri.fsPath });
  const wrote = await previewAndWrite('add the pool to Codex CLI?', [{ uri, before, after, shown: after }],
    `Codex reads the key from $AZURE_OPENAI_API_KEY: VS Code terminals have it while the pool runs; elsewhere export it with the client key ("Copy Client Key").`, confirm);
  if (wrote) {
    const run = makeDefault ? 'codex' : `codex -c model_provider='"${CODEX_PROVIDER_ID}"' -m ${model}`;
    void vscode.window.showInformationMessage(`AOAI Pool: Codex is set up. In a VS Code terminal: ${run}`, 'Copy Command').then((p) => p && vscode.env.clipboard.writeText(run));
  }
}

async function showCline(pool: Pool): Promise<void> {
  const steps = clineSteps({ url: pool.url, model: pool.chat[0] ?? 'gpt-4o' });
  for (;;) {
    const pick = await vscode.window.showInformationMessage('AOAI Pool: connect Cline', { modal: true, detail: steps }, 'Copy Base URL', 'Copy Client Key');
    if (pick === 'Copy Base URL') await vscode.env.clipboard.writeText(`${pool.url}/v1`);
    else if (pick === 'Copy Client Key') await vscode.env.clipboard.writeText(pool.clientKey);
    else return;
    vscode.window.setStatusBarMessage(`AOAI Pool: ${pick === 'Copy Base URL' ? 'base URL' : 'client key'} copied`, 4000);
  }
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new Error('Open a folder first: the .env goes into the workspace');
  if (folders.length === 1) return folders[0]!.uri;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder gets the .env?' }))?.uri;
}

/** `git check-ignore` knows every rule (nested .gitignore, info/exclude, global excludes); outside a repository, the folder's .gitignore decides. */
async function gitIgnores(folder: string, file: string): Promise<boolean> {
  const code = await new Promise<number | 'nogit'>((resolve) => {
    execFile('git', ['check-ignore', '-q', file], { cwd: folder, timeout: 5_000 }, (e) => {
      if (!e) return resolve(0);
      const c = (e as NodeJS.ErrnoException & { code?: number | string }).code;
      resolve(typeof c === 'number' ? c : 'nogit');
    });
  });
  if (code === 0) return true;
  if (code === 1) return false;
  // 128: not a repository; 'nogit': no git at all.
  const text = await readText(vscode.Uri.joinPath(vscode.Uri.file(folder), '.gitignore'));
  return text !== undefined && appendGitignore(text, file) === text;
}
