/**
 * The security roles the solution ships: complete enough to open the app on their own (as exported roles are), Read
 * only on the workflow's tables for reviewers and approvers (Dataverse is the gate: the review service writes), and the
 * administrator's configuration rights. Levels on our own tables follow the review service's design (issue 11).
 */
import { join } from 'node:path';
import { TABLES, discrepancy, postingBatch, snapshotRun, thresholdRule } from '../../core/dataverse/tables';
import { ROLES } from '../../core/workflow';
import { entries, list, packed, parse, type Xml } from '../helpers/solution';
import { MICROSOFT, attrs, everywhere, parseFile } from '../helpers/xml-shape';

const customizations = parse(entries(packed().managed)['customizations.xml']!).ImportExportXml;
const privilegesOf = (name: string): Map<string, string> => {
  const role = list(customizations.Roles.Role).find((r: Xml) => r.name === name);
  expect(role).toBeDefined();
  return new Map(list(role.RolePrivileges.RolePrivilege).map((p: Xml) => [p.name, p.level]));
};
const reviewer = privilegesOf(ROLES.reviewer);
const approver = privilegesOf(ROLES.approver);
const administrator = privilegesOf(ROLES.administrator);
const all = [reviewer, approver, administrator];

/** Microsoft's exported app role (Templates-for-Power-Platform, "Checklist App - User"): what a user of an app holds. */
const exportedUserRole = new Map(everywhere(parseFile(join(MICROSOFT, 'mpa_Checklist', 'Roles', 'Checklist App - User.xml')), 'RolePrivilege')
  .map((p) => [attrs(p).name!, attrs(p).level!]));

describe('security roles', () => {
  it('give every role what opening a model-driven app takes, at the levels Microsoft\'s exported app role grants', () => {
    const toOpenTheApp = ['prvReadAppModule', 'prvReadSystemForm', 'prvReadQuery', 'prvReadSavedQueryVisualizations', 'prvReadWebResource',
      'prvReadUserSettings', 'prvReadUserQuery', 'prvReadEntity', 'prvReadAttribute', 'prvReadRelationship', 'prvReadOptionSet', 'prvReadEntityKey',
      'prvReadCustomization', 'prvReadSystemApplicationMetadata', 'prvReadComplexControl', 'prvReadUser', 'prvReadTeam', 'prvReadBusinessUnit',
      'prvReadOrganization', 'prvReadTransactionCurrency', 'prvCreateUserEntityUISettings', 'prvReadUserEntityUISettings',
      'prvWriteUserEntityUISettings', 'prvCreateUserApplicationMetadata', 'prvReadUserApplicationMetadata', 'prvWriteUserApplicationMetadata'];
    for (const privilege of toOpenTheApp) {
      expect(exportedUserRole.has(privilege)).toBe(true);
      for (const role of all) expect([privilege, role.get(privilege)]).toEqual([privilege, exportedUserRole.get(privilege)]);
    }
    // The web resources read the solution's settings.
    for (const role of all) for (const p of ['prvReadEnvironmentVariableDefinition', 'prvReadEnvironmentVariableValue']) expect(role.get(p)).toBe('Global');
  });

  it('let reviewers and approvers read the workflow\'s tables and change or delete none of them', () => {
    for (const role of [reviewer, approver]) {
      for (const table of TABLES) expect(role.get(`prvRead${table.schemaName}`)).toBe('Global');
      for (const table of [snapshotRun, discrepancy, postingBatch, thresholdRule]) {
        for (const verb of ['Create', 'Write', 'Delete', 'Assign', 'Share']) expect(role.has(`prv${verb}${table.schemaName}`)).toBe(false);
      }
    }
  });

  it('let the administrator configure threshold rules and assign and share every record of the solution', () => {
    for (const verb of ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share']) {
      expect(administrator.get(`prv${verb}${thresholdRule.schemaName}`)).toBe('Global');
    }
    for (const table of TABLES) for (const verb of ['Assign', 'Share']) expect(administrator.get(`prv${verb}${table.schemaName}`)).toBe('Global');
  });

  it('let the administrator set environment variable values: create and change a value and attach it to its definition', () => {
    for (const p of ['prvCreateEnvironmentVariableValue', 'prvWriteEnvironmentVariableValue', 'prvAppendEnvironmentVariableValue',
      'prvAppendToEnvironmentVariableDefinition']) expect(administrator.get(p)).toBe('Global');
    for (const role of [reviewer, approver]) expect(role.has('prvWriteEnvironmentVariableValue')).toBe(false);
  });

  it('give a role that writes a table with a lookup to users the right to point it at a user', () => {
    for (const role of all) {
      for (const table of TABLES) {
        const userLookups = Object.values(table.columns).filter((c) => c.type.kind === 'lookup' && c.type.target === 'systemuser');
        if (userLookups.length === 0 || !role.has(`prvWrite${table.schemaName}`)) continue;
        expect(role.get(`prvAppend${table.schemaName}`)).toBe('Global');
        expect(role.get('prvAppendToUser')).toBe('Global');
      }
    }
    expect(administrator.has(`prvWrite${discrepancy.schemaName}`)).toBe(true);
  });

  it('grant each role more than the one below it', () => {
    for (const [p, level] of reviewer) expect(approver.get(p)).toBe(level);
    for (const [p, level] of approver) expect(administrator.get(p)).toBe(level);
  });

  it('name privileges only of the solution\'s tables and of platform tables an exported app role names', () => {
    const exportedTargets = new Set([...exportedUserRole.keys()].map((p) => p.replace(/^prv(Create|Read|Write|Delete|AppendTo|Append|Assign|Share)/, '')));
    const ours = TABLES.map((t) => t.schemaName);
    for (const role of all) {
      for (const p of role.keys()) {
        const target = p.replace(/^prv(Create|Read|Write|Delete|AppendTo|Append|Assign|Share)/, '');
        expect([target, ours.includes(target) || exportedTargets.has(target) || ['EnvironmentVariableDefinition', 'EnvironmentVariableValue'].includes(target)])
          .toEqual([target, true]);
      }
    }
  });
});
