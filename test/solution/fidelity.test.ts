import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOrdered, type Ordered } from '../../solution/xml';
import { entries, packed } from '../helpers/solution';

/** What Microsoft's own exports look like, compared element by element with what the packer writes. */
const fixture = (name: string) => entries(readFileSync(join(__dirname, '..', 'fixtures', 'microsoft', name)));
const microsoft = fixture('CodeInterpreterSample_1_0_0_0_managed.zip');
const contoso = fixture('Contoso_sample_1_0_0_1_managed.zip');
const ours = entries(packed().managed);

const tagOf = (node: Record<string, unknown>) => Object.keys(node).find((k) => k !== ':@')!;
const children = (node: Record<string, unknown>): Ordered => node[tagOf(node)] as Ordered;
const childTags = (node: Record<string, unknown>) => children(node).map(tagOf).filter((t) => t !== '#text');
function find(nodes: Ordered, path: string[]): Ordered {
  let current = nodes;
  for (const step of path) current = current.filter((n) => tagOf(n) === step).flatMap(children);
  return current;
}
const rootOf = (xml: string) => parseOrdered(xml.replace(/^\uFEFF/, ''));

/** Checks that the shared elements of two sequences come in the same order. */
function sameRelativeOrder(actual: string[], reference: string[]): void {
  const shared = actual.filter((t) => reference.includes(t));
  const referenceOrder = reference.filter((t) => shared.includes(t));
  expect([...new Set(shared)]).toEqual([...new Set(referenceOrder)]);
}

describe('fidelity to Microsoft\'s exports', () => {
  it('orders the sections of customizations.xml as the platform does', () => {
    const reference = childTags(rootOf(microsoft['customizations.xml']!)[0]!);
    const actual = childTags(rootOf(ours['customizations.xml']!)[0]!);
    sameRelativeOrder(actual, reference);
    expect(actual).toEqual(expect.arrayContaining(['Entities', 'Roles', 'EntityRelationships', 'AppModuleSiteMaps', 'AppModules', 'Languages']));
  });

  it('writes the entity properties in the platform\'s order', () => {
    const entityOf = (xml: string) => find(rootOf(xml), ['ImportExportXml', 'Entities', 'Entity', 'EntityInfo'])[0]!;
    const reference = childTags(entityOf(microsoft['customizations.xml']!));
    const actual = childTags(entityOf(ours['customizations.xml']!));
    expect(actual.filter((t) => t !== 'EntityKeys')).toEqual(reference);
  });

  it.each(['nvarchar', 'picklist', 'lookup', 'datetime', 'int', 'primarykey', 'owner', 'state', 'status'])(
    'writes a %s attribute with the platform\'s elements in its order', (type) => {
      const attributesOf = (xml: string) => find(rootOf(xml), ['ImportExportXml', 'Entities', 'Entity', 'EntityInfo', 'entity', 'attributes'])
        .filter((a) => childTags(a).length > 0 && find([a], ['attribute', 'Type']).some((t) => t['#text'] === type));
      const [reference] = attributesOf(microsoft['customizations.xml']!);
      const [actual] = attributesOf(ours['customizations.xml']!);
      expect(reference).toBeDefined();
      expect(actual).toBeDefined();
      expect(childTags(actual!)).toEqual(childTags(reference!));
    });

  it('writes environment variable definitions like the platform', () => {
    const referenceName = Object.keys(contoso).find((n) => n.endsWith('environmentvariabledefinition.xml'))!;
    const reference = childTags(rootOf(contoso[referenceName]!)[0]!);
    const ourName = Object.keys(ours).find((n) => n.endsWith('ibal_IVEndpoint/environmentvariabledefinition.xml'))!;
    sameRelativeOrder(childTags(rootOf(ours[ourName]!)[0]!), reference);
  });

  it('declares xml content the way the platform does', () => {
    const defaults = (xml: string) => find(rootOf(xml), ['Types']).filter((n) => tagOf(n) === 'Default')
      .map((n) => (n[':@'] as Record<string, string>));
    expect(defaults(ours['[Content_Types].xml']!)).toEqual(expect.arrayContaining(
      defaults(microsoft['[Content_Types].xml']!).filter((d) => d['@_Extension'] === 'xml')));
  });
});
