/** Order-preserving views of XML for comparing our solution's shape with Microsoft's, element by element. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parseOrdered, type Ordered } from '../../solution/xml';

export type Node = Record<string, unknown>;

export const MICROSOFT = join(__dirname, '..', 'fixtures', 'microsoft');

export const tagOf = (node: Node): string => Object.keys(node).find((k) => k !== ':@')!;
export const childrenOfNode = (node: Node): Ordered => (node[tagOf(node)] as Ordered | undefined) ?? [];
export const childTags = (node: Node): string[] => childrenOfNode(node).map(tagOf).filter((t) => t !== '#text');
export const attrs = (node: Node): Record<string, string> =>
  Object.fromEntries(Object.entries((node[':@'] as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k.replace(/^@_/, ''), v]));

export const parseXml = (text: string): Ordered => parseOrdered(text.replace(/^\uFEFF/, ''));
export const parseFile = (path: string): Ordered => parseXml(readFileSync(path, 'utf8'));

/** The elements at a path of tags below the given nodes. */
export function at(nodes: Ordered, path: readonly string[]): Ordered {
  let current = nodes;
  path.forEach((step, i) => {
    const matching = current.filter((n) => tagOf(n) === step);
    current = i === path.length - 1 ? matching : matching.flatMap(childrenOfNode);
  });
  return current;
}

/** Every element with this tag, anywhere below. */
export function everywhere(nodes: Ordered, tag: string): Ordered {
  const found: Ordered = [];
  for (const node of nodes) {
    const t = tagOf(node);
    if (t === '#text') continue;
    if (t === tag) found.push(node);
    found.push(...everywhere(childrenOfNode(node), tag));
  }
  return found;
}

export const text = (node: Node | undefined): string | undefined => {
  if (!node) return undefined;
  const t = childrenOfNode(node).find((n) => '#text' in n);
  return t === undefined ? undefined : String(t['#text']);
};

/** The text of the first child with this tag. */
export const childText = (node: Node, tag: string): string | undefined => text(childrenOfNode(node).find((n) => tagOf(n) === tag));

/** Unzipped text entries of a zip. */
export function zipEntries(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, b]) => [name, strFromU8(b)]));
}

/**
 * Whether the tags both sequences share come in the same order: our element may omit some of Microsoft's optional
 * children and add none it does not know, so the shared ones must keep the platform's order.
 */
export function expectSameRelativeOrder(actual: readonly string[], reference: readonly string[]): void {
  const shared = [...new Set(actual.filter((t) => reference.includes(t)))];
  const referenceOrder = [...new Set(reference.filter((t) => shared.includes(t)))];
  expect(shared).toEqual(referenceOrder);
}
