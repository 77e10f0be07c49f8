import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { builtComponents } from '../../solution/components';
import { packSolution } from '../../solution/pack';
import { SOLUTION_SRC, entries, list, parse, type Xml } from '../helpers/solution';

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
    'out/webresources/commands/review.js': 'export function approve() {}',
    'out/webresources/dialog.html': '<!doctype html><title>Review</title>',
    'out/webresources/notes.txt': 'not a web resource',
    'out/controls/ControlManifest.xml': '<?xml version="1.0"?><manifest><control namespace="InventoryBalance" constructor="VarianceGrid" version="0.1.0" control-type="virtual"/></manifest>',
    'out/controls/bundle.js': 'var pcf_tools;',
    'out/controls/strings/VarianceGrid.1033.resx': '<root/>',
  });
  const zip = entries(packSolution(SOLUTION_SRC, '1.0.0.0', builtComponents(root)).managed);
  const customizations = parse(zip['customizations.xml']!).ImportExportXml;

  it('packs each web resource bundle under WebResources/ with a stable id, and skips other files', () => {
    const resources = list(customizations.WebResources.WebResource);
    expect(resources.map((w: Xml) => [w.Name, w.WebResourceType])).toEqual([['ibal_/commands/review.js', '3'], ['ibal_/dialog.html', '1']]);
    for (const w of resources) {
      expect(w.FileName).toMatch(/^\/WebResources\/ibal_\w+[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      expect(zip[w.FileName.slice(1)]).toBeDefined();
    }
    expect(zip[resources[0].FileName.slice(1)]).toBe('export function approve() {}');
    const again = list(parse(entries(packSolution(SOLUTION_SRC, '1.0.0.0', builtComponents(root)).managed)['customizations.xml']!)
      .ImportExportXml.WebResources.WebResource);
    expect(again.map((w: Xml) => w.WebResourceId)).toEqual(resources.map((w: Xml) => w.WebResourceId));
  });

  it('packs the control under Controls/<prefix>_<namespace>.<constructor>/ with its files', () => {
    expect(customizations.CustomControls.CustomControl).toEqual({
      Name: 'ibal_InventoryBalance.VarianceGrid', FileName: '/Controls/ibal_InventoryBalance.VarianceGrid/ControlManifest.xml' });
    for (const file of ['ControlManifest.xml', 'bundle.js', 'strings/VarianceGrid.1033.resx']) {
      expect(zip[`Controls/ibal_InventoryBalance.VarianceGrid/${file}`]).toBeDefined();
    }
  });

  it('declares their content types and lists them as root components', () => {
    const types = parse(zip['[Content_Types].xml']!).Types;
    expect(list(types.Default).map((d: Xml) => d.Extension)).toEqual(['js', 'resx', 'xml']);
    const overrides = list(types.Override).map((o: Xml) => o.PartName);
    expect(overrides).toContain('/Controls/ibal_InventoryBalance.VarianceGrid/ControlManifest.xml');
    expect(overrides.filter((p: string) => p.startsWith('/WebResources/'))).toHaveLength(2);
    const roots = list(parse(zip['solution.xml']!).ImportExportXml.SolutionManifest.RootComponents.RootComponent)
      .map((r: Xml) => `${r.type}:${r.schemaName}`);
    expect(roots).toEqual(expect.arrayContaining(['61:ibal_/commands/review.js', '61:ibal_/dialog.html', '66:ibal_InventoryBalance.VarianceGrid']));
  });

  it('makes the discrepancy grids use the control on the web, and only when the control is packed', () => {
    const entity = list(customizations.Entities.Entity).find((e: Xml) => e.Name['#text'] === 'ibal_Discrepancy');
    const controls = list(entity.CustomControlDefaultConfigs.CustomControlDefaultConfig.ControlDescriptionXML.controlDescriptions.controlDescription.customControl);
    const grid = controls.find((c: Xml) => c.name === 'ibal_InventoryBalance.VarianceGrid');
    expect(grid).toMatchObject({ formFactor: '0', parameters: { 'data-set': { name: 'discrepancies' } } });
    const without = parse(entries(packSolution(SOLUTION_SRC, '1.0.0.0').managed)['customizations.xml']!).ImportExportXml;
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

  it('offers the seven review commands on the home grid and on the run form subgrid', () => {
    const buttons = list(ribbon.CustomActions.CustomAction).map((a: Xml) => [a.Location.split('.')[1], a.CommandUIDefinition.Button.Command]);
    for (const grid of ['HomepageGrid', 'SubGrid']) {
      expect(buttons.filter(([where]) => where === grid).map(([, command]) => command)).toEqual(commands.map((c: Xml) => c.Id));
    }
    expect(commands).toHaveLength(7);
  });

  it('calls functions the built script defines, from a web resource the solution packs, with the selected ids', () => {
    const calls = [...commands.map((c: Xml) => c.Actions.JavaScriptFunction), ...rules.filter((r: Xml) => r.CustomRule).map((r: Xml) => r.CustomRule)];
    for (const call of calls) {
      expect(packedResources).toContain(call.Library.replace('$webresource:', ''));
      const [namespace, object, name] = call.FunctionName.split('.');
      expect(typeof sandbox.InventoryBalance?.[object]?.[name]).toBe('function');
      expect(namespace).toBe('InventoryBalance');
    }
    for (const command of commands) expect(list(command.Actions.JavaScriptFunction.CrmParameter).map((p: Xml) => p.Value)).toContain('SelectedControlSelectedItemIds');
    expect(packedResources).toEqual(expect.arrayContaining(['ibal_/pages/review.html', 'ibal_/pages/review.js']));
  });

  it('shows Approve, Reject and Post only to roles that may use them (enable rules)', () => {
    const ruleOf = (id: string) => list(commands.find((c: Xml) => c.Id === id).EnableRules.EnableRule).map((r: Xml) => r.Id);
    expect(ruleOf('ibal.ibal_discrepancy.Approve.Command')).toContain('ibal.ibal_discrepancy.canApprove.EnableRule');
    expect(ruleOf('ibal.ibal_discrepancy.PostToIV.Command')).toContain('ibal.ibal_discrepancy.canPost.EnableRule');
    expect(ruleOf('ibal.ibal_discrepancy.RequestCount.Command')).toEqual(['ibal.ibal_discrepancy.canRequestCount.EnableRule', 'ibal.ibal_discrepancy.SelectionAtLeastOne.EnableRule']);
  });
});
