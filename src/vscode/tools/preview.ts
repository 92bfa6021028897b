/**
 * Shows a file change before it is written: a diff of the file as it is
 * against what would be written (a read-only virtual document), then a modal
 * question. Nothing touches the disk before "Write". The client key is
 * written to the file but never shown: the preview has a placeholder.
 */
import * as vscode from 'vscode';

const SCHEME = 'aoai-pool-preview';
const contents = new Map<string, string>();

/** Serves the preview documents; register once at activation. */
export function registerPreviewProvider(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    provideTextDocumentContent: (uri) => contents.get(uri.toString()) ?? '',
  });
}

export interface FileChange {
  uri: vscode.Uri;
  /** Current text, or undefined when the file does not exist yet. */
  before: string | undefined;
  /** What will be written. */
  after: string;
  /** What the preview shows (`after` with the key replaced). */
  shown: string;
}

/** The placeholder the previews show where the client key will be written. */
export const KEY_PLACEHOLDER = '<the pool client key, written on "Write">';

export async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return undefined;
    throw e;
  }
}

/** Opens a diff per changed file, asks once, writes all on "Write". Returns whether it wrote. */
export async function previewAndWrite(title: string, changes: FileChange[], detail: string, confirm = true): Promise<boolean> {
  const changed = changes.filter((c) => c.before !== c.after);
  if (changed.length === 0) {
    void vscode.window.showInformationMessage(`AOAI Pool: ${title}: already set up, nothing to change.`);
    return false;
  }
  if (confirm) {
    for (const c of changed) {
      const stamp = Date.now().toString(36);
      const right = vscode.Uri.from({ scheme: SCHEME, path: c.uri.path, query: `after-${stamp}` });
      contents.set(right.toString(), c.shown);
      let left = c.uri;
      if (c.before === undefined) {
        left = vscode.Uri.from({ scheme: SCHEME, path: c.uri.path, query: `empty-${stamp}` });
        contents.set(left.toString(), '');
      }
      await vscode.commands.executeCommand('vscode.diff', left, right, `${basename(c.uri)}: AOAI Pool's change (preview)`, { preview: false });
    }
    const files = changed.map((c) => `${c.uri.fsPath}${c.before === undefined ? ' (new)' : ''}`).join('\n');
    const pick = await vscode.window.showInformationMessage(`AOAI Pool: ${title}`, { modal: true, detail: `${detail}\n\nFiles:\n${files}` }, 'Write');
    if (pick !== 'Write') return false;
  }
  for (const c of changed) {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(c.uri, '..'));
    await vscode.workspace.fs.writeFile(c.uri, new TextEncoder().encode(c.after));
  }
  return true;
}

function basename(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}
