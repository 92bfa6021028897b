import type * as vscode from 'vscode';

// Wired up in the extension issue (#3): activation only builds objects and
// pushes disposables.
export async function activate(_context: vscode.ExtensionContext): Promise<void> {}

export async function deactivate(): Promise<void> {}
