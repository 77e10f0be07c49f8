/**
 * Security roles as Dataverse evaluates them: a role is a set of privileges (prvRead<Table>, prvWrite<Table>, …), each
 * at a depth (Basic = the user's own rows, Local, Deep, Global); a user holds roles directly and through the teams
 * they belong to, and the deepest grant of a privilege wins. The product's roles are read from the solution source
 * (`solution/src/Roles/*.xml`), so the emulator enforces exactly what the solution ships; System Administrator and
 * Basic User are the platform's own roles, described here as far as the product touches them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export const DEPTHS = ['Basic', 'Local', 'Deep', 'Global'] as const;
export type Depth = (typeof DEPTHS)[number];

export interface RoleDefinition {
  /** The role's id: the solution's for the product's roles (import keeps it in the root business unit). */
  id: string;
  name: string;
  privileges: ReadonlyMap<string, Depth>;
  /** System Administrator holds every privilege and is not subject to column security. */
  allPrivileges?: boolean;
}

/** System Administrator's role template id, the same in every environment. */
export const SYSTEM_ADMINISTRATOR_ROLE_ID = '627090ff-40a3-4053-8790-584edc5be201';
export const SYSTEM_ADMINISTRATOR = 'System Administrator';
export const BASIC_USER = 'Basic User';

/**
 * What the platform's Basic User role grants on the tables the product touches (the rest of it is the app shell's
 * business: app modules, views, settings). Every product role is assigned together with it (README).
 */
const BASIC_USER_PRIVILEGES: Record<string, Depth> = {
  prvReadUser: 'Global', prvReadRole: 'Local', prvReadTeam: 'Global', prvReadBusinessUnit: 'Global',
  prvReadEnvironmentVariableDefinition: 'Global', prvReadEnvironmentVariableValue: 'Global', prvAppendToUser: 'Global', prvReadQuery: 'Global',
};

/** Inventory Visibility's own role for reading its adjustment line tables (a sandbox stand-in: IV is not our solution). */
export const IV_READER = 'Inventory Visibility reader';

export const PLATFORM_ROLES: readonly RoleDefinition[] = [
  { id: '6a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', name: IV_READER, privileges: new Map([['prvReadmsdyn_InventoryAdjustmentLine', 'Global'], ['prvReadmsdyn_InventoryAggregatedAdjustmentLine', 'Global']]) },
  { id: SYSTEM_ADMINISTRATOR_ROLE_ID, name: SYSTEM_ADMINISTRATOR, privileges: new Map(), allPrivileges: true },
  { id: '4b46dcd6-0b9d-4c6a-9a5f-6f2b1b7d3a01', name: BASIC_USER, privileges: new Map(Object.entries(BASIC_USER_PRIVILEGES)) },
];

/** The roles of a solution source folder, with their ids and privileges, as the solution imports them. */
export function solutionRoles(solutionSourceDir: string): RoleDefinition[] {
  const dir = join(solutionSourceDir, 'Roles');
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: the emulator reads the security roles from the solution source`);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'RolePrivilege' });
  return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((file) => {
    const role = (parser.parse(readFileSync(join(dir, file), 'utf8')) as { Role: { id: string; name: string; RolePrivileges?: { RolePrivilege?: Array<{ name: string; level: string }> } } }).Role;
    const privileges = new Map<string, Depth>();
    for (const p of role.RolePrivileges?.RolePrivilege ?? []) {
      if (!(DEPTHS as readonly string[]).includes(p.level)) throw new Error(`${file}: privilege ${p.name} has level '${p.level}', not one of ${DEPTHS.join(', ')}`);
      privileges.set(p.name, p.level as Depth);
    }
    return { id: role.id.replace(/[{}]/g, '').toLowerCase(), name: role.name, privileges };
  });
}

/** The deepest grant of a privilege among the roles, or undefined when none holds it. */
export function depthOf(roles: readonly RoleDefinition[], privilege: string): Depth | undefined {
  let best: Depth | undefined;
  for (const role of roles) {
    const depth = role.allPrivileges ? 'Global' : role.privileges.get(privilege);
    if (depth !== undefined && (best === undefined || DEPTHS.indexOf(depth) > DEPTHS.indexOf(best))) best = depth;
  }
  return best;
}
