import { TABLES } from '../../core/dataverse/tables';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { parseOrdered, xmlDocument, type Ordered } from '../../solution/xml';
import { SCHEMAS, entries, packed } from '../helpers/solution';

const schemas = readdirSync(SCHEMAS).filter((f) => f.endsWith('.xsd')).map((f) => ({ fileName: f, contents: readFileSync(join(SCHEMAS, f), 'utf8') }));

/**
 * Runs validations one after another: xmllint-wasm starts a worker thread with its own WebAssembly memory for each,
 * and dozens at once (a view, form and chart each) exhaust the test process's memory.
 */
async function oneAtATime<T>(runs: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const run of runs) results.push(await run());
  return results;
}

async function validate(xml: string, schemaFile: string, label: string): Promise<string[]> {
  const main = schemas.find((s) => s.fileName === schemaFile)!;
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }], schema: [main], preload: schemas.filter((s) => s !== main),
    maxMemoryPages: memoryPages.GiB,
  });
  return result.errors.map((e) => `${label}: ${e.message}`);
}

/** Every element with this name, wherever it is. */
function elementsNamed(nodes: Ordered, name: string): Ordered {
  const found: Ordered = [];
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@' || key === '#text') continue;
      if (key === name) found.push(node);
      found.push(...elementsNamed(value as Ordered, name));
    }
  }
  return found;
}

interface Exceptions {
  elements: ReadonlyArray<{ parent: string; elements: readonly string[] }>;
  attributes: ReadonlyArray<{ element: string; attributes: readonly string[] }>;
}

/** A copy without the named elements (each only under the named parent) and attributes. */
function without(nodes: Ordered, drop: Exceptions, parent = ''): Ordered {
  return nodes.flatMap((node) => {
    const [key] = Object.keys(node).filter((k) => k !== ':@');
    if (key === undefined || key === '#text') return [node];
    if (drop.elements.some((d) => d.parent === parent && d.elements.includes(key))) return [];
    const copy: Record<string, unknown> = { [key]: without(node[key] as Ordered, drop, key) };
    const attributes = node[':@'] as Record<string, string> | undefined;
    if (attributes) {
      const dropped = drop.attributes.filter((a) => a.element === key).flatMap((a) => a.attributes.map((n) => `@_${n}`));
      copy[':@'] = Object.fromEntries(Object.entries(attributes).filter(([name]) => !dropped.includes(name)));
    }
    return [copy];
  });
}

const customizations = parseOrdered(entries(packed().unmanaged)['customizations.xml']!);

describe('the packed XML against Microsoft\'s schemas', () => {
  it('every view\'s fetchxml is valid Fetch.xsd', async () => {
    const fetches = elementsNamed(customizations, 'fetch');
    expect(fetches.length).toBeGreaterThanOrEqual(12);
    const errors = (await oneAtATime(fetches.map((f, i) => () => validate(xmlDocument([f]), 'Fetch.xsd', `view ${i}`)))).flat();
    expect(errors).toEqual([]);
  });

  it('the sitemap is valid SiteMap.xsd', async () => {
    const [siteMap] = elementsNamed(customizations, 'SiteMap');
    expect(await validate(xmlDocument([siteMap!]), 'SiteMap.xsd', 'sitemap')).toEqual([]);
  });

  it('every main form and the dashboard is valid FormXml.xsd', async () => {
    const forms = elementsNamed(customizations, 'form');
    expect(forms).toHaveLength(TABLES.length + 1);
    const errors = (await oneAtATime(forms.map((f, i) => () => validate(xmlDocument([f]), 'FormXml.xsd', `form ${i}`)))).flat();
    expect(errors).toEqual([]);
  });

  it('every ribbon diff is valid RibbonCore.xsd', async () => {
    const ribbons = elementsNamed(customizations, 'RibbonDiffXml');
    expect(ribbons).toHaveLength(TABLES.length);
    const errors = (await oneAtATime(ribbons.map((r, i) => () => validate(xmlDocument([r]), 'RibbonCore.xsd', `ribbon ${i}`)))).flat();
    expect(errors).toEqual([]);
  });

  it('customizations.xml is valid CustomizationsSolution.xsd apart from elements newer than the 9.0 schema', async () => {
    // Each exception is an element that current platform exports write and the 9.0.0.2090 schema predates
    // (../shared/reference/notes/solution.md §5.2). Everything else must validate.
    const newerThanSchema: Exceptions = {
      elements: [
        { parent: 'attribute', elements: ['AutoNumberFormat', 'IsSearchable', 'IsFilterable', 'IsRetrievable', 'IsLocalizable'] },
        { parent: 'entity', elements: ['IsRetrieveAuditEnabled', 'IsRetrieveMultipleAuditEnabled', 'IsMSTeamsIntegrationEnabled', 'IsSolutionAware'] },
        { parent: 'AppModuleSiteMap', elements: ['EnableCollapsibleGroups', 'ShowHome', 'ShowPinned', 'ShowRecents'] },
        { parent: 'AppModule', elements: ['OptimizedFor', 'statecode', 'statuscode', 'NavigationType', 'appsettings'] },
        // 2024–2025 exports: relationships carry CascadeArchive (mpa_Checklist, CodeInterpreterSample), roles
        // IsAutoAssigned and a Description (ColumnLevelSecuritySampleSolution).
        { parent: 'EntityRelationship', elements: ['CascadeArchive'] },
        { parent: 'Role', elements: ['IsAutoAssigned', 'Description'] },
      ],
      // Choice options carry IsHidden in 2025 exports (CodeInterpreterSample).
      attributes: [{ element: 'option', attributes: ['IsHidden'] }],
    };
    const errors = await validate(xmlDocument(without(customizations, newerThanSchema)), 'CustomizationsSolution.xsd', 'customizations.xml');
    expect(errors).toEqual([]);
    // The packed solution includes the built control, so the discrepancy grids' control configuration is validated too.
    expect(JSON.stringify(customizations)).toContain('CustomControlDefaultConfigs');
  });

  it('the validator does catch a broken view', async () => {
    const [fetch] = elementsNamed(customizations, 'fetch');
    const broken = xmlDocument([fetch!]).replace('<order attribute=', '<order bogus="1" attribute=');
    expect((await validate(broken, 'Fetch.xsd', 'broken')).join()).toMatch(/bogus/);
  });
});

describe('charts', () => {
  it('describe their data with VisualizationDataDescription.xsd and query with Fetch.xsd', async () => {
    const definitions = elementsNamed(customizations, 'datadefinition');
    expect(definitions).toHaveLength(5);
    const errors = (await oneAtATime(definitions.flatMap((d, i) => [
      () => validate(xmlDocument([d]), 'VisualizationDataDescription.xsd', `chart ${i}`),
      ...elementsNamed([d], 'fetch').map((f) => () => validate(xmlDocument([f]), 'Fetch.xsd', `chart ${i} fetch`)),
    ]))).flat();
    expect(errors).toEqual([]);
  });
});
