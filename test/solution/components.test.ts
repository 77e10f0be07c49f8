import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { builtComponents } from '../../solution/components';
import { packSolution } from '../../solution/pack';
import { dependenciesOf, webResourceElement } from '../../solution/web-resource-xml';
import { SOLUTION_SRC, builtOutputs, copyOfSource, entries, list, packed, parse, type Xml } from '../helpers/solution';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ibal-pack-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('built web resources and PCF controls', () => {
  const root = project({
    'out/webresources/scripts/review.js': 'export function approve() {}',
    'out/webresources/pages/dialog.html': '<!doctype html><title>Review</title><link rel="stylesheet" href="dialog.css"><script src="../scripts/review.js"></script><script src="https://cdn.example/x.js"></script>',
    'out/webresources/pages/dialog.css': 'body {}',
    'out/webresources/notes.txt': 'not a web resource',
    'out/controls/ControlManifest.xml': '<?xml version="1.0"?><manifest><control namespace="InventoryBalance" constructor="VarianceGrid" version="0.1.0" control-type="virtual"><resources><code path="bundle.js" order="1"/><resx path="pcf/strings/VarianceGrid.1033.resx" version="1.0.0"/></resources></control></manifest>',
    'out/controls/bundle.js': 'var pcf_tools;',
    'out/controls/pcf/strings/VarianceGrid.1033.resx': '<root/>',
  });
  const built = builtComponents(root);

  it('names each web resource bundle after its path under the publisher prefix, and skips other files', () => {
    expect(built.webResources.map((w) => w.name)).toEqual(['ibal_/pages/dialog.css', 'ibal_/pages/dialog.html', 'ibal_/scripts/review.js']);
  });

  it('names the control <prefix>_<namespace>.<constructor> and keeps its strings under strings/, where exports keep them', () => {
    const [control] = built.controls;
    expect(control!.name).toBe('ibal_InventoryBalance.VarianceGrid');
    expect(control!.files.map((f) => f.path).sort()).toEqual(['ControlManifest.xml', 'bundle.js', 'strings/VarianceGrid.1033.resx']);
    const manifest = Buffer.from(control!.files.find((f) => f.path === 'ControlManifest.xml')!.bytes).toString('utf8');
    expect(manifest).toContain('<resx path="strings/VarianceGrid.1033.resx" version="1.0.0"/>');
  });

  it('lists what an HTML page loads as its web resource dependencies, so Dataverse loads them with it', () => {
    const page = built.webResources.find((w) => w.name === 'ibal_/pages/dialog.html')!;
    expect(dependenciesOf(page, built.webResources)).toEqual(['ibal_/pages/dialog.css', 'ibal_/scripts/review.js']);
    const element = webResourceElement(page, built.webResources);
    expect(element.DependencyXml).toMatch(/^<Dependencies><Dependency componentType="WebResource"><Library name="ibal_\/pages\/dialog.css" /);
    expect(webResourceElement(built.webResources[0]!, built.webResources).DependencyXml).toBeUndefined();
  });

  it('gives a web resource the same id in every build, so a re-import updates it', () => {
    const [first, second] = [builtComponents(root), builtComponents(root)].map((b) => b.webResources.map((w) => webResourceElement(w, b.webResources).WebResourceId));
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(3);
  });

  it('makes the discrepancy grids use the control on the web, and only when the control is packed', () => {
    const customizations = parse(entries(packed().managed)['customizations.xml']!).ImportExportXml;
    const entity = list(customizations.Entities.Entity).find((e: Xml) => e.Name['#text'] === 'ibal_Discrepancy');
    const controls = list(entity.CustomControlDefaultConfigs.CustomControlDefaultConfig.ControlDescriptionXML.controlDescriptions.controlDescription.customControl);
    const grid = controls.find((c: Xml) => c.name === 'ibal_InventoryBalance.VarianceGrid');
    expect(grid).toMatchObject({ formFactor: '0', parameters: { 'data-set': { name: 'discrepancies' } } });
    const withoutControl = copyOfSource();
    rmSync(join(withoutControl, 'Controls'), { recursive: true });
    const without = parse(entries(packSolution(withoutControl, { ...builtOutputs(), controls: [] }).managed)['customizations.xml']!).ImportExportXml;
    expect(list(without.Entities.Entity).some((e: Xml) => e.CustomControlDefaultConfigs !== undefined)).toBe(false);
  });

  it('packs nothing extra when nothing was built', () => {
    expect(builtComponents(project({}))).toEqual({ webResources: [], controls: [] });
  });
});

describe('the command bar and its built script', () => {
  // `npm test` builds first: the real bundle in out/webresources is what the solution ships.
  const root = join(__dirname, '..', '..');
  const packedResources = (builtComponents(root).webResources ?? []).map((w) => w.name);
  const ribbon = parse(readFileSync(join(SOLUTION_SRC, 'Entities', 'ibal_Discrepancy', 'RibbonDiff.xml'), 'utf8')).RibbonDiffXml;
  const commands = list(ribbon.CommandDefinitions.CommandDefinition);
  const rules = list(ribbon.RuleDefinitions.EnableRules.EnableRule);
  const sandbox: { InventoryBalance?: Record<string, Record<string, unknown>> } = {};
  runInNewContext(readFileSync(join(root, 'out', 'webresources', 'scripts', 'commands.js'), 'utf8'), sandbox);

  it('offers the seven review commands, the count sheets and the export on the home grid and on the run form subgrid', () => {
    const buttons = list(ribbon.CustomActions.CustomAction).map((a: Xml) => [a.Location.split('.')[1], a.CommandUIDefinition.Button.Command]);
    for (const grid of ['HomepageGrid', 'SubGrid']) {
      expect(buttons.filter(([where]) => where === grid).map(([, command]) => command)).toEqual(commands.map((c: Xml) => c.Id));
    }
    expect(commands).toHaveLength(11);
  });

  it('calls functions the built script defines, from a web resource the solution packs, with the selected ids', () => {
    // A command may load a library first (sheets.js, with the no-op isNaN) before calling its own function.
    const functions = commands.flatMap((c: Xml) => list(c.Actions.JavaScriptFunction));
    for (const loader of functions.filter((f: Xml) => f.FunctionName === 'isNaN')) expect(packedResources).toContain(loader.Library.replace('$webresource:', ''));
    const calls = [...functions.filter((f: Xml) => f.FunctionName !== 'isNaN'), ...rules.filter((r: Xml) => r.CustomRule).map((r: Xml) => r.CustomRule)];
    for (const call of calls) {
      expect(packedResources).toContain(call.Library.replace('$webresource:', ''));
      const [namespace, object, name] = call.FunctionName.split('.');
      expect(typeof sandbox.InventoryBalance?.[object]?.[name]).toBe('function');
      expect(namespace).toBe('InventoryBalance');
    }
    for (const command of commands) expect(list(list(command.Actions.JavaScriptFunction).at(-1).CrmParameter).map((p: Xml) => p.Value)).toContain('SelectedControlSelectedItemIds');
    expect(packedResources).toEqual(expect.arrayContaining(['ibal_/pages/review.html', 'ibal_/pages/review.js']));
  });

  it('shows Approve, Reject and Post only to roles that may use them (enable rules)', () => {
    const ruleOf = (id: string) => list(commands.find((c: Xml) => c.Id === id).EnableRules.EnableRule).map((r: Xml) => r.Id);
    expect(ruleOf('ibal.ibal_discrepancy.Approve.Command')).toContain('ibal.ibal_discrepancy.canApprove.EnableRule');
    expect(ruleOf('ibal.ibal_discrepancy.PostToIV.Command')).toContain('ibal.ibal_discrepancy.canPost.EnableRule');
    expect(ruleOf('ibal.ibal_discrepancy.RequestCount.Command')).toEqual(['ibal.ibal_discrepancy.canRequestCount.EnableRule', 'ibal.ibal_discrepancy.SelectionAtLeastOne.EnableRule']);
  });
});
