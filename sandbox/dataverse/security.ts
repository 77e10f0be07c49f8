/**
 * Who may do what in the emulator, as Dataverse decides it: a bearer token names the caller (none, or an unknown one,
 * is a 401); each table operation needs the matching privilege of the caller's roles, held directly or through a team,
 * at a depth that covers the row (403 otherwise); column security profiles decide who reads and sets a secured column.
 * Roles and profiles are read from the solution source, so the emulator enforces exactly what the solution ships.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { allColumns } from '../../core/dataverse/schema.js';
import { TABLES } from '../../core/dataverse/tables.js';
import { DataverseError } from './errors.js';
import { depthOf, PLATFORM_ROLES, SYSTEM_ADMINISTRATOR, type Depth, type RoleDefinition } from './roles.js';

export { SYSTEM_ADMINISTRATOR } from './roles.js';

/** A sandbox user: who they are, their roles (by name or id), their teams and column security profiles. */
export interface SandboxUser {
  id: string;
  fullname: string;
  domainname: string;
  roles?: readonly string[];
  /** Teams the user belongs to, by name: their roles count as the user's. */
  teams?: readonly string[];
  fieldSecurityProfiles?: readonly string[];
  /** An application user (a service principal): it signs in with client credentials. */
  application?: { clientId: string; clientSecret: string };
}

/** An owner team: its members hold its roles. */
export interface SandboxTeam { id: string; name: string; roles: readonly string[] }

/** One row of a column security profile (FieldSecurityProfiles.xml): 4 allows, 0 refuses. */
export interface FieldPermission { profile: string; entity: string; attribute: string; canRead: boolean; canCreate: boolean; canUpdate: boolean }

/** The table operations a role privilege names (prvCreate<Table>, prvRead<Table>, …). */
export type Access = 'Create' | 'Read' | 'Write' | 'Delete' | 'Append' | 'AppendTo';

/** The column security profiles of the solution source (solution/src/Other/FieldSecurityProfiles.xml). */
export function fieldPermissionsOf(solutionSourceDir: string): FieldPermission[] {
  const path = join(solutionSourceDir, 'Other', 'FieldSecurityProfiles.xml');
  if (!existsSync(path)) throw new Error(`${path} does not exist: the emulator reads the column security profiles from the solution source`);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['FieldSecurityProfile', 'FieldPermission'].includes(name) })
    .parse(readFileSync(path, 'utf8')) as { FieldSecurityProfiles?: { FieldSecurityProfile?: Array<{ name: string; FieldPermissions?: { FieldPermission?: Array<Record<string, unknown>> } }> } };
  return (parsed.FieldSecurityProfiles?.FieldSecurityProfile ?? []).flatMap((profile) => (profile.FieldPermissions?.FieldPermission ?? []).map((p) => ({
    profile: profile.name, entity: String(p.EntityName), attribute: String(p.AttributeName),
    canRead: Number(p.CanRead) === 4, canCreate: Number(p.CanCreate) === 4, canUpdate: Number(p.CanUpdate) === 4,
  })));
}

const SECURED = new Set(TABLES.flatMap((t) => allColumns(t).filter((c) => c.secured).map((c) => `${t.logicalName}.${c.logicalName}`)));

export class Security {
  private readonly tokens = new Map<string, string>();
  private readonly roles: readonly RoleDefinition[];

  constructor(private readonly permissions: readonly FieldPermission[], roles: readonly RoleDefinition[], private readonly teams: readonly SandboxTeam[],
    private readonly extraRoles: readonly RoleDefinition[] = []) {
    this.roles = [...PLATFORM_ROLES, ...roles];
  }

  /** Every role the environment has: the platform's, the solution's, and any made by hand (test look-alikes). */
  allRoles(): readonly RoleDefinition[] {
    return [...this.roles, ...this.extraRoles];
  }

  /** A role named by id (any role), or by name (the platform's and the solution's only: a name is not an identity). */
  role(reference: string): RoleDefinition {
    const wanted = reference.replace(/[{}]/g, '').toLowerCase();
    const found = this.allRoles().find((r) => r.id === wanted) ?? this.roles.find((r) => r.name === reference);
    if (!found) throw new Error(`No security role '${reference}' in the solution or the platform`);
    return found;
  }

  team(name: string): SandboxTeam {
    const found = this.teams.find((t) => t.name === name);
    if (!found) throw new Error(`No sandbox team '${name}'`);
    return found;
  }

  /** The roles a user holds, directly and through their teams. */
  rolesOf(user: SandboxUser): RoleDefinition[] {
    const references = [...(user.roles ?? []), ...(user.teams ?? []).flatMap((t) => this.team(t).roles)];
    return [...new Map(references.map((r) => this.role(r)).map((r) => [r.id, r])).values()];
  }

  isSystemAdministrator(user: SandboxUser): boolean {
    return this.rolesOf(user).some((r) => r.name === SYSTEM_ADMINISTRATOR && r.allPrivileges);
  }

  /** A bearer token for the user, as Entra would issue one for Dataverse. */
  issueToken(user: SandboxUser): string {
    const token = `sandbox.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, user.id);
    return token;
  }

  /** The user a bearer token names; none, or an unknown one, is a 401, as Dataverse answers a missing or expired token. */
  userIdOfToken(authorization: string | undefined): string {
    const token = authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
    const id = token === undefined ? undefined : this.tokens.get(token);
    if (id === undefined) throw new DataverseError(401, '', 'The user is not authenticated: the bearer token is missing, unknown or expired.', { 'WWW-Authenticate': 'Bearer' });
    return id;
  }

  /**
   * The depth at which the user holds the privilege for this operation on the table (`privilegeName` is the table's
   * schema name as privileges spell it); a 403 with Dataverse's message when no role grants it.
   */
  authorize(user: SandboxUser, access: Access, entity: { logicalName: string; privilegeName: string }): Depth {
    const privilege = `prv${access}${entity.privilegeName}`;
    const roles = this.rolesOf(user);
    const depth = depthOf(roles, privilege);
    if (depth === undefined) {
      throw new DataverseError(403, '0x80040220', `Principal user (Id=${user.id}, type=8, roleCount=${roles.length}, accessMode=0), is missing ${privilege} privilege `
        + `for entity '${entity.logicalName}'. context.Caller=${user.id}`);
    }
    return depth;
  }

  /** Refuses a Basic-depth operation on a row someone else owns, as Dataverse's access check does. */
  checkOwnership(user: SandboxUser, access: Access, entity: { logicalName: string }, depth: Depth, owner: unknown, rowId: string): void {
    if (depth !== 'Basic' || owner === undefined || owner === null || String(owner) === user.id) return;
    throw new DataverseError(403, '0x80040220', `SecLib::AccessCheckEx failed. Returned hr = -2147187962, ObjectID: ${rowId}, OwnerId: ${String(owner)}, `
      + `OwnerIdType: 8 and CallingUser: ${user.id}. ObjectTypeCode: ${entity.logicalName}, accessMode: 0, AccessRights: ${access}Access`);
  }

  private mayUse(user: SandboxUser, entity: string, column: string, use: 'canRead' | 'canCreate' | 'canUpdate'): boolean {
    if (!SECURED.has(`${entity}.${column}`) || this.isSystemAdministrator(user)) return true;
    return this.permissions.some((p) => p.entity === entity && p.attribute === column && (user.fieldSecurityProfiles ?? []).includes(p.profile) && p[use]);
  }

  /** Refuses setting a secured column the user's profiles do not allow (403, Dataverse's codes and messages). */
  checkWrite(entity: string, columns: Iterable<string>, user: SandboxUser, operation: 'create' | 'update'): void {
    for (const column of columns) {
      if (this.mayUse(user, entity, column, operation === 'create' ? 'canCreate' : 'canUpdate')) continue;
      if (operation === 'create') throw new DataverseError(403, '0x8004f502', `The user does not have create permissions to a secured field. The requested operation could not be completed. (${entity}.${column})`);
      throw new DataverseError(403, '0x8004f507', `The user doesn't have AttributePrivilegeUpdate and not granted shared access for a secured attribute during update operation (${entity}.${column})`);
    }
  }

  /** The secured columns of a table this user may not read: Dataverse returns them as null. */
  unreadable(entity: string, columns: Iterable<string>, user: SandboxUser): Set<string> {
    return new Set([...columns].filter((c) => !this.mayUse(user, entity, c, 'canRead')));
  }
}
