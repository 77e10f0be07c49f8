/**
 * Importing version N+1 over N, as an upgrade of the managed solution: the packer takes the version from
 * Other/Solution.xml alone, ids stay stable from build to build so every kept component is recognised (and keeps its
 * data), and a component removed from N+1 is one the upgrade deletes.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packSolution } from '../../solution/pack';
import { compareForUpgrade, compareVersions, inventoryOf } from '../../solution/upgrade';
import { builtOutputs, copyOfSource, packed } from '../helpers/solution';

const setVersion = (src: string, version: string) => {
  const path = join(src, 'Other', 'Solution.xml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/<Version>[^<]*<\/Version>/, `<Version>${version}</Version>`));
};
const edit = (path: string, change: (text: string) => string) => writeFileSync(path, change(readFileSync(path, 'utf8')));

const installed = inventoryOf(packed().managed);

/** Version N+1: a higher version, the "Audit recommended" view removed, a column added to discrepancies. */
function nextVersion(): { src: string; removedViewId: string } {
  const src = copyOfSource();
  setVersion(src, '0.2.0');
  const views = join(src, 'Entities', 'ibal_Discrepancy', 'SavedQueries');
  const file = readdirSync(views).find((f) => readFileSync(join(views, f), 'utf8').includes('"Audit recommended"'))!;
  rmSync(join(views, file));
  const removedViewId = file.replace('.xml', '');
  edit(join(src, 'AppModules', 'ibal_InventoryBalance', 'AppModule.xml'), (t) => t.replace(new RegExp(`\\s*<AppModuleComponent type="26" id="${removedViewId}"\\s*/>`), ''));
  edit(join(src, 'Entities', 'ibal_Discrepancy', 'Entity.xml'), (t) => {
    const comment = /<attribute PhysicalName="ibal_Comment">[\s\S]*?<\/attribute>/.exec(t)![0];
    return t.replace(comment, `${comment}\n        ${comment.replace(/ibal_Comment/g, 'ibal_CountNote').replace(/ibal_comment/g, 'ibal_countnote')}`);
  });
  return { src, removedViewId };
}

describe('upgrading the managed solution', () => {
  it('packs the version Other/Solution.xml names, and nothing else decides it', () => {
    const src = copyOfSource();
    setVersion(src, '3.1.4.1');
    const repacked = packSolution(src, builtOutputs());
    expect(repacked.version).toBe('3.1.4.1');
    expect(inventoryOf(repacked.managed).version).toBe('3.1.4.1');
  });

  it('recognises every kept component in N+1, deletes the removed view, adds the new column, and deletes no data', () => {
    const { src, removedViewId } = nextVersion();
    const report = compareForUpgrade(installed, inventoryOf(packSolution(src, builtOutputs()).managed));
    expect(report.problems).toEqual([]);
    expect([report.from, report.to]).toEqual([installed.version, '0.2.0']);
    expect(report.removed).toEqual([`view:${removedViewId}`]);
    expect(report.added).toEqual(['column:ibal_discrepancy.ibal_countnote']);
    expect(report.dataDeleted).toEqual([]);
    // The app changed (one view fewer); every table, column, form, role, web resource and the control are the same ones.
    expect(report.changed).toEqual(['app:ibal_InventoryBalance']);
  });

  it('packs the same ids for the same source in every build, so a re-import updates instead of duplicating', () => {
    const again = inventoryOf(packSolution(copyOfSource(), builtOutputs()).managed);
    expect([...again.components]).toEqual([...installed.components]);
    expect([...again.webResourceIds]).toEqual([...installed.webResourceIds]);
  });

  it('names the data an upgrade would delete with a removed column, and what would make the import fail', () => {
    const src = copyOfSource();
    edit(join(src, 'Entities', 'ibal_Discrepancy', 'Entity.xml'), (t) => t.replace(/\s*<attribute PhysicalName="ibal_Comment">[\s\S]*?<\/attribute>/, '')
      .replace(/(<attribute PhysicalName="ibal_Flags">[\s\S]*?<Type>)nvarchar(<\/Type>)/, '$1ntext$2'));
    const sameVersion = compareForUpgrade(installed, inventoryOf(packSolution(src, builtOutputs()).managed));
    expect(sameVersion.dataDeleted).toEqual(['column:ibal_discrepancy.ibal_comment']);
    expect(sameVersion.problems).toEqual([
      `version ${installed.version} is not higher than the installed ${installed.version}: raise "version" in package.json and run npm run solution:src`,
      'column:ibal_discrepancy.ibal_flags changes type from nvarchar to ntext: Dataverse cannot change a column\'s type, the import fails',
    ]);
    expect(compareForUpgrade(installed, inventoryOf(packed().unmanaged)).problems).toContain(
      'the new zip is unmanaged: only a managed solution is upgraded (import the _managed zip)');
  });

  it('orders versions as Dataverse does', () => {
    expect(compareVersions('1.10', '1.9.9.9')).toBe(1);
    expect(compareVersions('1.0', '1.0.0.0')).toBe(0);
    expect(compareVersions('0.1.0', '0.2')).toBe(-1);
  });
});
