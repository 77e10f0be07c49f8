/**
 * Who may do what in the emulator, as Dataverse decides it: bearer tokens name the caller, security roles are rows a
 * client can read (systemuserroles, roles), and column security profiles decide who may set a secured column. The
 * profiles are read from the solution source, so the emulator enforces exactly what the solution ships.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { allColumns } from '../../core/dataverse/schema.js';
import { TABLES } from '../../core/dataverse/tables.js';
import { DataverseError } from './errors.js';

/** A sandbox user: who they are, their security roles and their column security profiles, by name. */
export interface SandboxUser {
  id: string;
  fullname: string;
  domainname: string;
  roles?: readonly string[];
  fieldSecurityProfiles?: readonly string[];
}

/** One row of a column security profile (FieldSecurityProfiles.xml): 4 allows, 0 refuses. */
export interface FieldPermission { profile: string; entity: string; attribute: string; canRead: boolean; canCreate: boolean; canUpdate: boolean }

/** Users with this role see and set every secured column (column security does not apply to them). */
export const SYSTEM_ADMINISTRATOR = 'System Administrator';

/** A stable id for a role name, so the same role has the same id in every sandbox. */
export function roleIdOf(name: string): string {
  const hex = createHash('sha1').update(`role:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

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

  constructor(private readonly permissions: readonly FieldPermission[]) {}

  /** A bearer token for the user, as Entra would issue one for Dataverse. */
  issueToken(user: SandboxUser): string {
    const token = `sandbox.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, user.id);
    return token;
  }

  /** The user a bearer token names; an unknown token is a 401, as Dataverse answers an invalid or expired one. */
  userIdOfToken(authorization: string): string {
    const token = /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
    const id = token === undefined ? undefined : this.tokens.get(token);
    if (id === undefined) throw new DataverseError(401, '', 'The user is not authenticated: the bearer token is missing, unknown or expired.', { 'WWW-Authenticate': 'Bearer' });
    return id;
  }

  /** Refuses setting a secured column the user's profiles do not allow (403, Dataverse's codes and messages). */
  checkWrite(entity: string, columns: Iterable<string>, user: SandboxUser, operation: 'create' | 'update'): void {
    if (user.roles?.includes(SYSTEM_ADMINISTRATOR)) return;
    for (const column of columns) {
      if (!SECURED.has(`${entity}.${column}`)) continue;
      const allowed = this.permissions.some((p) => p.entity === entity && p.attribute === column && (user.fieldSecurityProfiles ?? []).includes(p.profile)
        && (operation === 'create' ? p.canCreate : p.canUpdate));
      if (allowed) continue;
      if (operation === 'create') throw new DataverseError(403, '0x8004f502', `The user does not have create permissions to a secured field. The requested operation could not be completed. (${entity}.${column})`);
      throw new DataverseError(403, '0x8004f507', `The user doesn't have AttributePrivilegeUpdate and not granted shared access for a secured attribute during update operation (${entity}.${column})`);
    }
  }
}
