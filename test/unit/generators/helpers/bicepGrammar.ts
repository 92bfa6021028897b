/**
 * Offline Bicep syntax check with the real tree-sitter grammar (WebAssembly),
 * so the tests need neither the Bicep CLI nor a network.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

let parser: Promise<Parser> | undefined;

function load(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const pkg = createRequire(import.meta.url).resolve('tree-sitter-bicep/package.json');
    const language = await Language.load(join(dirname(pkg), 'tree-sitter-bicep.wasm'));
    return new Parser().setLanguage(language);
  })();
  return parser;
}

export interface BicepSyntaxProblem {
  line: number;
  column: number;
  text: string;
}

/** Every ERROR or MISSING node of `source`; empty means it parses. */
export async function bicepSyntaxProblems(source: string): Promise<BicepSyntaxProblem[]> {
  const tree = (await load()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const problems: BicepSyntaxProblem[] = [];
  const walk = (node: Node) => {
    if (node.isError || node.isMissing) {
      problems.push({ line: node.startPosition.row + 1, column: node.startPosition.column + 1, text: node.text.slice(0, 60) });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) walk(child);
  };
  walk(tree.rootNode);
  tree.delete();
  return problems;
}

/** Top-level declarations in order: `{ kind: 'resource' | 'param' | ..., name }`. */
export async function bicepDeclarations(source: string): Promise<{ kind: string; name: string }[]> {
  const tree = (await load()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const out = tree.rootNode.namedChildren
    .filter((n): n is Node => n !== null && n.type.endsWith('_declaration'))
    .map((n) => ({ kind: n.type.replace(/_declaration$/, ''), name: n.namedChildren.find((c) => c?.type === 'identifier')?.text ?? '' }));
  tree.delete();
  return out;
}
