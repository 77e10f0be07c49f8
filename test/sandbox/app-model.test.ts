import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appModel } from '../../sandbox/app/model';

/** The sandbox app's model is the solution source as a maker leaves it: edits to the XML show without code changes. */
const source = join(__dirname, '..', '..', 'solution', 'src');

it('lists the public views of each table with their fetchxml and columns, the default first', () => {
  const model = appModel(source);
  const views = model.tables.ibal_discrepancy!.views;
  expect(views[0]).toMatchObject({ name: 'Material (latest run)', isDefault: true });
  expect(views.map((v) => v.name)).not.toContain('Quick Find Discrepancies'); // quick find and lookup views are not offered
  expect(views.every((v) => v.fetchXml.startsWith('<fetch ') && v.columns.length > 0)).toBe(true);
  expect(model.sitemap.map((g) => g.group)).toEqual(['Reconciliation', 'Settings']);
  expect(model.commands.find((c) => c.label === 'Approve')).toMatchObject({ functionName: 'InventoryBalance.Commands.approve',
    enableRules: [{ functionName: 'InventoryBalance.Commands.canApprove', parameters: ['SelectedControlSelectedItemIds'] }], minSelection: 1, library: 'ibal_/scripts/commands.js' });
  // The finance dashboard is in the sitemap, its charts and views in the model.
  const dashboard = Object.values(model.dashboards)[0]!;
  expect(model.sitemap[0]!.items[0]).toMatchObject({ title: 'Finance dashboard', dashboard: dashboard.id });
  for (const cell of dashboard.sections.flat()) {
    expect(model.charts[cell.chartId]).toBeDefined();
    expect(model.tables[cell.table]!.viewsById[cell.viewId]).toBeDefined();
  }
});

it("shows a maker's change to a view: a renamed view, a wider column and another filter", () => {
  const copy = mkdtempSync(join(tmpdir(), 'ibal-src-'));
  cpSync(source, copy, { recursive: true });
  const dir = join(copy, 'Entities', 'ibal_Discrepancy', 'SavedQueries');
  const file = readdirSync(dir).map((f) => join(dir, f)).find((f) => readFileSync(f, 'utf8').includes('description="Awaiting approval"'))!;
  writeFileSync(file, readFileSync(file, 'utf8')
    .replace('description="Awaiting approval"', 'description="Waiting for finance"')
    .replace(/(<cell name="ibal_name" width=")\d+("\/>)/, '$1250$2')
    .replace('operator="eq" value="735800002"', 'operator="in"><value>735800002</value><value>735800003</value></condition><condition attribute="statecode" operator="eq" value="0"'));
  const view = appModel(copy).tables.ibal_discrepancy!.views.find((v) => v.name === 'Waiting for finance')!;
  expect(view.columns.find((c) => c.name === 'ibal_name')!.width).toBe(250);
  expect(view.fetchXml).toContain('<value>735800003</value>');
});
