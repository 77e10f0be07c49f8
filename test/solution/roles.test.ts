/**
 * The security roles the solution ships: complete enough to open the app on their own (as exported roles are), Read
 * only on the workflow's tables for reviewers and approvers (Dataverse is the gate: the review service writes), and the
 * administrator's configuration rights. Levels on our own tables follow the review service's design (issue 11).
 */
import { join } from 'node:path';
import { PRODUCT_ROLES } from '../../core/dataverse/roles';
import { TABLES, discrepancy, postingBatch, reviewRequest, snapshotRun, thresholdRule } from '../../core/dataverse/tables';
import { entries, list, packed, parse, type Xml } from '../helpers/solution';
import { MICROSOFT, attrs, everywhere, parseFile } from '../helpers/xml-shape';

const customizations = parse(entries(packed().managed)['customizations.xml']!).ImportExportXml;
const privilegesOf = (name: string): Map<string, string> => {
  const role = list(customizations.Roles.Role).find((r: Xml) => r.name === name);
  expect(role).toBeDefined();
  return new Map(list(role.RolePrivileges.RolePrivilege).map((p: Xml) => [p.name, p.level]));
};
const reviewer = privilegesOf(PRODUCT_ROLES.reviewer.name);
const approver = privilegesOf(PRODUCT_ROLES.approver.name);
const administrator = privilegesOf(PRODUCT_ROLES.administrator.name);
const all = [reviewer, approver, administrator];
/** The application users' roles: the reconcile job's and the review service's. */
const applications = [privilegesOf(PRODUCT_ROLES.reconcileJob.name), privilegesOf(PRODUCT_ROLES.reviewService.name)];

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

  it('let reviewers and approvers read the workflow\'s tables and change or delete none of them, and create and read their own requests', () => {
    for (const role of [reviewer, approver]) {
      for (const table of TABLES.filter((t) => t !== reviewRequest)) expect(role.get(`prvRead${table.schemaName}`)).toBe('Global');
      for (const verb of ['Create', 'Read', 'Append']) expect(role.get(`prv${verb}${reviewRequest.schemaName}`)).toBe('Basic');
      for (const table of [snapshotRun, discrepancy, postingBatch, thresholdRule, reviewRequest]) {
        for (const verb of table === reviewRequest ? ['Write', 'Delete', 'Assign', 'Share'] : ['Create', 'Write', 'Delete', 'Assign', 'Share']) {
          expect(role.has(`prv${verb}${table.schemaName}`)).toBe(false);
        }
      }
    }
  });

  it('let the administrator configure threshold rules and assign and share every record of the solution', () => {
    for (const verb of ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share']) {
      expect(administrator.get(`prv${verb}${thresholdRule.schemaName}`)).toBe('Global');
    }
    for (const table of TABLES.filter((t) => t !== reviewRequest)) for (const verb of ['Assign', 'Share']) expect(administrator.get(`prv${verb}${table.schemaName}`)).toBe('Global');
    // Administrators configure; they change no discrepancy, run or batch (the review service and the job do) and read every request.
    for (const table of [discrepancy, snapshotRun, postingBatch]) for (const verb of ['Create', 'Write', 'Delete']) expect(administrator.has(`prv${verb}${table.schemaName}`)).toBe(false);
    expect(administrator.get(`prvRead${reviewRequest.schemaName}`)).toBe('Global');
  });

  it('let the administrator set environment variable values: create and change a value and attach it to its definition', () => {
    for (const p of ['prvCreateEnvironmentVariableValue', 'prvWriteEnvironmentVariableValue', 'prvAppendEnvironmentVariableValue',
      'prvAppendToEnvironmentVariableDefinition']) expect(administrator.get(p)).toBe('Global');
    for (const role of [reviewer, approver]) expect(role.has('prvWriteEnvironmentVariableValue')).toBe(false);
  });

  it('give a role that writes a table with a lookup to users the right to point it at a user', () => {
    for (const role of [...all, ...applications]) {
      for (const table of TABLES) {
        const userLookups = Object.values(table.columns).filter((c) => c.type.kind === 'lookup' && c.type.target === 'systemuser');
        if (userLookups.length === 0 || !role.has(`prvWrite${table.schemaName}`)) continue;
        expect(role.get(`prvAppend${table.schemaName}`)).toBe('Global');
        expect(role.get('prvAppendToUser')).toBe('Global');
      }
    }
    expect(applications[1]!.has(`prvWrite${discrepancy.schemaName}`)).toBe(true);
  });

  it('give reviewers and approvers the same rights in Dataverse: what they may ask for is the review service\'s decision, by role id', () => {
    expect([...approver].sort()).toEqual([...reviewer].sort());
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
