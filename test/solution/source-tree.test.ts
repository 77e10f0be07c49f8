/**
 * solution/src is the complete unpacked solution: the parts generated from core/ are checked in and agree with it (so
 * a column added to core/dataverse/tables.ts only needs `npm run solution:src`), and the packer builds the zip from the
 * tree alone, as `pac solution pack` would.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { column, text } from '../../core/dataverse/schema';
import { discrepancy } from '../../core/dataverse/tables';
import { filesUnder } from '../../solution/components';
import { packSolution } from '../../solution/pack';
import { DEFINITIONS, generateSource, isGeneratedPath } from '../../solution/source-tree';
import { ROOT, SOLUTION_SRC, builtOutputs, copyOfSource, english, entries, list, parse, type Xml } from '../helpers/solution';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the generated part of solution/src', () => {
  it('agrees with core/ and the build: re-running `npm run solution:src` would change nothing', () => {
    const generated = generateSource(SOLUTION_SRC, builtOutputs(), version);
    const differing = generated.filter((f) => !existsSync(join(SOLUTION_SRC, f.path)) || readFileSync(join(SOLUTION_SRC, f.path), 'utf8') !== f.content);
    const wanted = new Set(generated.map((f) => f.path));
    const stale = filesUnder(SOLUTION_SRC).map((p) => relative(SOLUTION_SRC, p).split(sep).join('/')).filter((p) => isGeneratedPath(p) && !wanted.has(p));
    // If this fails: run `npm run solution:src` and commit what it writes.
    expect({ differing: differing.map((f) => f.path), stale }).toEqual({ differing: [], stale: [] });
    expect(generated.length).toBeGreaterThan(25);
  });

  it('takes the version from package.json into Other/Solution.xml, the one place the packer reads it', () => {
    expect(parse(readFileSync(join(SOLUTION_SRC, 'Other', 'Solution.xml'), 'utf8')).ImportExportXml.SolutionManifest.Version).toBe(version);
    const next = generateSource(SOLUTION_SRC, builtOutputs(), '2.0.0.1').find((f) => f.path === 'Other/Solution.xml')!;
    expect(parse(next.content).ImportExportXml.SolutionManifest.Version).toBe('2.0.0.1');
  });

  it('gives a column added to core/ its attribute in Entity.xml, in both languages, once its German label exists', () => {
    const shelf = column('shelf', 'Shelf', text(20));
    const tables = DEFINITIONS.tables.map((t) => (t === discrepancy ? { ...t, columns: { ...t.columns, shelf } } : t));
    const german = { ...DEFINITIONS.german, columns: { ...DEFINITIONS.german.columns, ibal_discrepancy: { ...DEFINITIONS.german.columns.ibal_discrepancy, ibal_shelf: { displayName: 'Regal' } } } };
    const files = generateSource(SOLUTION_SRC, builtOutputs(), version, { ...DEFINITIONS, tables, german });
    const entity = parse(files.find((f) => f.path === 'Entities/ibal_Discrepancy/Entity.xml')!.content).Entity;
    const attribute = list(entity.EntityInfo.entity.attributes.attribute).find((a: Xml) => a.LogicalName === 'ibal_shelf');
    expect(attribute).toMatchObject({ PhysicalName: 'ibal_Shelf', Type: 'nvarchar', MaxLength: '20' });
    expect(list(attribute.displaynames.displayname).map((d: Xml) => [d.languagecode, d.description])).toEqual([['1033', 'Shelf'], ['1031', 'Regal']]);
    // What was added to the table beyond core/ (the grid's control configuration) stays.
    expect(entity.CustomControlDefaultConfigs).toBeDefined();
    expect(() => generateSource(SOLUTION_SRC, builtOutputs(), version, { ...DEFINITIONS, tables })).toThrow(/columns\.ibal_discrepancy\.ibal_shelf\.displayName/);
  });

  it('refuses to generate without a build, whose web resources and control the solution ships', () => {
    expect(() => generateSource(SOLUTION_SRC, { webResources: [], controls: [] }, version)).toThrow(/run `npm run build` first/);
  });
});

describe('the packer builds from the tree alone', () => {
  it('packs what a maker changed in the tree, and leaves out what a maker removed', () => {
    const src = copyOfSource();
    const entityPath = join(src, 'Entities', 'ibal_Discrepancy', 'Entity.xml');
    writeFileSync(entityPath, readFileSync(entityPath, 'utf8').replace('<displayname description="Item number" languagecode="1033" />', '<displayname description="Item no." languagecode="1033" />'));
    const views = join(src, 'Entities', 'ibal_Discrepancy', 'SavedQueries');
    const auditView = readdirSync(views).find((f) => readFileSync(join(views, f), 'utf8').includes('"Audit recommended"'))!;
    rmSync(join(views, auditView));
    const customizations = parse(entries(packSolution(src, builtOutputs()).managed)['customizations.xml']!).ImportExportXml;
    const entity = list(customizations.Entities.Entity).find((e: Xml) => e.Name['#text'] === 'ibal_Discrepancy');
    const item = list(entity.EntityInfo.entity.attributes.attribute).find((a: Xml) => a.LogicalName === 'ibal_item');
    expect(english(item.displaynames.displayname)).toBe('Item no.');
    expect(list(entity.SavedQueries.savedqueries.savedquery).map((v: Xml) => english(v.LocalizedNames.LocalizedName))).not.toContain('Audit recommended');
  });

  it('refuses a relationship the list names but no file defines', () => {
    const src = copyOfSource();
    rmSync(join(src, 'Other', 'Relationships', 'SystemUser.xml'));
    expect(() => packSolution(src, builtOutputs())).toThrow(/Relationships\.xml lists relationship '.*', which no file in Other\/Relationships\/ defines/);
  });
});
