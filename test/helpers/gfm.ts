import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

type Node = { type: string; value?: string; children?: Node[] };

/** Parse markdown as GitHub does (CommonMark + GFM tables, task lists, autolinks, strikethrough). */
export function parseGfm(markdown: string): Node {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as Node;
}

/** Every node of a tree, with the types of its ancestors. */
export function nodes(tree: Node): Array<{ node: Node; ancestors: string[] }> {
  const out: Array<{ node: Node; ancestors: string[] }> = [];
  const walk = (n: Node, ancestors: string[]) => {
    out.push({ node: n, ancestors });
    for (const c of n.children ?? []) walk(c, [...ancestors, n.type]);
  };
  walk(tree, []);
  return out;
}

/**
 * Problems GitHub would show as broken markdown: a table that is not a top-level table (e.g. swallowed by a list
 * item) and `|` outside a table or code, which is what a table that failed to parse leaves behind as raw text.
 */
export function gfmProblems(markdown: string): string[] {
  const problems: string[] = [];
  for (const { node, ancestors } of nodes(parseGfm(markdown))) {
    if (node.type === 'table' && ancestors.join('/') !== 'root') problems.push(`a table inside ${ancestors.join(' > ')}`);
    if (node.type === 'text' && node.value?.includes('|') && !ancestors.includes('table')) problems.push(`raw "|" text: ${JSON.stringify(node.value)}`);
  }
  return problems;
}
