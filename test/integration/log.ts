import * as util from 'node:util';

/**
 * console.log for integration tests. The extension host hands each console
 * call to the workbench log as one message with its args joined by commas
 * (and console.* cannot be replaced there), so this formats the call into one
 * string first. Under code-server the launcher sets a tag to tell these lines
 * from the workbench's own log, prints them and drops the rest (plain
 * console.log shows only with VSCODE_TEST_VERBOSE=1). On desktop VS Code the
 * tag is empty and the lines print as they are.
 */
export function testLog(...args: unknown[]): void {
  console.log((process.env.AOAI_POOL_TEST_TAG ?? '') + util.format(...args));
}
