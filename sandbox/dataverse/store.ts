/**
 * The emulator's rows, in a DuckDB file: one table per entity, created from the metadata. Every statement is
 * parameterised; identifiers come only from the metadata, never from a request.
 */
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CODES, DataverseError, notFound, validation } from './errors.js';
import { ENTITIES, environmentVariableSeed, type ColumnMeta, type EntityMeta } from './metadata.js';
import { normalizeDate, type QuerySpec } from './odata.js';
import type { AggregateSpec } from './fetchxml.js';
import type { SandboxTeam, SandboxUser, Security } from './security.js';
import type { SavedQueryDefinition, ServiceEndpointDefinition, StepDefinition } from './webhooks.js';

export type { SandboxUser } from './security.js';

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

const SQL_TYPE: Record<ColumnMeta['type']['kind'], string> = {
  id: 'VARCHAR PRIMARY KEY', guid: 'VARCHAR', text: 'VARCHAR', memo: 'VARCHAR', integer: 'INTEGER', decimal: 'DOUBLE', datetime: 'VARCHAR',
  boolean: 'BOOLEAN', choice: 'INTEGER', lookup: 'VARCHAR', rowversion: 'BIGINT',
};

const q = (name: string) => `"${name}"`;


export class Store {
  private version = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection) {}

  static async open(path: string): Promise<Store> {
    const instance = await DuckDBInstance.create(path);
    const store = new Store(instance, await instance.connect());
    for (const entity of ENTITIES) {
      const columns = [...entity.columns.values()].map((c) => `${q(c.logicalName)} ${SQL_TYPE[c.type.kind]}`);
      await store.run(`CREATE TABLE IF NOT EXISTS ${q(entity.logicalName)} (${columns.join(', ')})`);
      // A sandbox kept from an earlier version gains the columns added since (a solution upgrade keeps data too).
      for (const c of [...entity.columns.values()].filter((c) => c.type.kind !== 'id')) {
        await store.run(`ALTER TABLE ${q(entity.logicalName)} ADD COLUMN IF NOT EXISTS ${q(c.logicalName)} ${SQL_TYPE[c.type.kind]}`);
      }
    }
    const [highest] = await store.all(`SELECT greatest(${ENTITIES.map((e) => `coalesce((SELECT max(versionnumber) FROM ${q(e.logicalName)}), 0)`).join(', ')}) AS version`);
    store.version = Number(highest?.version ?? 0) + 1;
    const now = timestamp();
    for (const v of environmentVariableSeed) {
      if ((await store.all('SELECT 1 FROM environmentvariabledefinition WHERE schemaname = ?', [v.schemaname])).length === 0) {
        await store.run(`INSERT INTO environmentvariabledefinition (environmentvariabledefinitionid, schemaname, displayname, description, type,
          defaultvalue, createdon, modifiedon, statecode, statuscode, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)`,
        [randomUUID(), v.schemaname, v.displayname, v.description, v.type, v.defaultvalue ?? null, now, now, store.version++]);
      }
    }
    return store;
  }

  /**
   * The environment's people and security as rows clients can read: users, roles (with their solution ids), teams,
   * and who holds which role directly or through a team. They follow the sandbox's configuration on every start.
   */
  async seedSecurity(users: readonly SandboxUser[], teams: readonly SandboxTeam[], security: Security): Promise<void> {
    const now = timestamp();
    const system = (table: string, values: Row) => {
      const row: Row = { ...values, createdon: now, modifiedon: now, statecode: 0, statuscode: 1, versionnumber: this.version++ };
      const columns = Object.keys(row);
      return this.run(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]!));
    };
    for (const table of ['systemuserroles', 'teamroles', 'teammembership', 'team', 'role']) await this.run(`DELETE FROM ${q(table)}`);
    for (const role of security.allRoles()) await system('role', { roleid: role.id, name: role.name, parentrootroleid: role.id });
    for (const team of teams) {
      await system('team', { teamid: team.id, name: team.name });
      for (const role of team.roles) await system('teamroles', { teamroleid: randomUUID(), teamid: team.id, roleid: security.role(role).id });
    }
    for (const user of users) {
      if ((await this.all('SELECT 1 FROM systemuser WHERE systemuserid = ?', [user.id])).length === 0) {
        await system('systemuser', { systemuserid: user.id, fullname: user.fullname, domainname: user.domainname, applicationid: user.application?.clientId ?? null });
      }
      for (const role of user.roles ?? []) await system('systemuserroles', { systemuserroleid: randomUUID(), systemuserid: user.id, roleid: security.role(role).id });
      for (const team of user.teams ?? []) await system('teammembership', { teammembershipid: randomUUID(), systemuserid: user.id, teamid: security.team(team).id });
    }
  }

  /**
   * The solution's webhook registrations: an endpoint keeps the URL and key an admin set (import leaves them as they
   * are on an upgrade); the steps follow the solution.
   */
  async seedWebhooks(webhooks: { endpoints: readonly ServiceEndpointDefinition[]; steps: readonly StepDefinition[] }): Promise<void> {
    const now = timestamp();
    const insert = (table: string, values: Row) => {
      const row: Row = { ...values, createdon: now, modifiedon: now, statecode: 0, statuscode: 1, versionnumber: this.version++ };
      const columns = Object.keys(row);
      return this.run(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]!));
    };
    for (const e of webhooks.endpoints) {
      if ((await this.all('SELECT 1 FROM serviceendpoint WHERE serviceendpointid = ?', [e.id])).length > 0) continue;
      await insert('serviceendpoint', { serviceendpointid: e.id, name: e.name, url: e.url, contract: e.contract, authtype: e.authType, authvalue: null });
    }
    await this.run('DELETE FROM sdkmessageprocessingstep');
    for (const st of webhooks.steps) {
      await insert('sdkmessageprocessingstep', { sdkmessageprocessingstepid: st.id, name: st.name, stage: st.stage, mode: st.mode, rank: st.rank,
        sdkmessageid: st.messageId, eventhandler: st.eventHandler, primaryentity: st.primaryEntity });
    }
  }

  /** The solution's views, as import leaves them: replaced on every start, as an upgrade replaces them. */
  async seedViews(views: readonly SavedQueryDefinition[]): Promise<void> {
    const now = timestamp();
    await this.run('DELETE FROM savedquery');
    for (const v of views) {
      const row: Row = { savedqueryid: v.id, name: v.name, returnedtypecode: v.returnedTypeCode, querytype: v.queryType, isdefault: v.isDefault,
        fetchxml: v.fetchXml, layoutxml: v.layoutXml, createdon: now, modifiedon: now, statecode: 0, statuscode: 1, versionnumber: this.version++ };
      const columns = Object.keys(row);
      await this.run(`INSERT INTO savedquery (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]!));
    }
  }

  /** Runs work alone: requests are served one at a time, so each is atomic and the order is the arrival order. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private depth = 0;

  /** Runs work in a transaction: all of it or none of it. Nested calls join the outer transaction (a $batch change set). */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.depth > 0) {
      this.depth += 1;
      try { return await work(); } finally { this.depth -= 1; }
    }
    this.depth = 1;
    try {
      return await this.ownTransaction(work);
    } finally {
      this.depth = 0;
    }
  }

  private async ownTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK');
      throw error;
    }
  }

  async run(sql: string, params: Value[] = []): Promise<void> {
    await this.connection.run(sql, params);
  }

  async all(sql: string, params: Value[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => {
      const out: Row = {};
      for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'bigint' ? Number(value) : (value as Value);
      return out;
    });
  }

  async byId(entity: EntityMeta, id: string): Promise<Row | undefined> {
    const [row] = await this.all(`SELECT * FROM ${q(entity.logicalName)} WHERE ${q(entity.primaryId)} = ?`, [id.toLowerCase()]);
    return row;
  }

  async byKey(entity: EntityMeta, key: Record<string, Value>): Promise<Row | undefined> {
    const columns = Object.keys(key);
    const [row] = await this.all(`SELECT * FROM ${q(entity.logicalName)} WHERE ${columns.map((c) => `${q(c)} IS NOT DISTINCT FROM ?`).join(' AND ')}`,
      columns.map((c) => key[c]!));
    return row;
  }

  async insert(entity: EntityMeta, values: Row, user: string): Promise<Row> {
    const id = String(values[entity.primaryId] ?? randomUUID()).toLowerCase();
    if (await this.byId(entity, id)) throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
    const now = timestamp();
    const row: Row = { statecode: 0, statuscode: 1, ...values, [entity.primaryId]: id, createdon: now, modifiedon: now,
      createdby: user, modifiedby: user, ...(entity.userOwned ? { ownerid: user } : {}), versionnumber: this.version++ };
    await this.checkKeys(entity, row, id);
    const columns = Object.keys(row);
    await this.run(`INSERT INTO ${q(entity.logicalName)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => row[c]!));
    return (await this.byId(entity, id))!;
  }

  async update(entity: EntityMeta, id: string, values: Row, user: string): Promise<Row> {
    const existing = await this.byId(entity, id);
    if (!existing) throw notFound(`${entity.logicalName} With Id = ${id} Does Not Exist`);
    const changes: Row = { ...values, modifiedon: timestamp(), modifiedby: user, versionnumber: this.version++ };
    delete changes[entity.primaryId];
    await this.checkKeys(entity, { ...existing, ...changes }, id);
    const columns = Object.keys(changes);
    await this.run(`UPDATE ${q(entity.logicalName)} SET ${columns.map((c) => `${q(c)} = ?`).join(', ')} WHERE ${q(entity.primaryId)} = ?`,
      [...columns.map((c) => changes[c]!), id]);
    return (await this.byId(entity, id))!;
  }

  /** Existing rows for many keys of one kind (ids, or one alternate key's columns), by the key's text. */
  async findMany(entity: EntityMeta, columns: readonly string[], keys: ReadonlyArray<readonly Value[]>): Promise<Map<string, Row>> {
    const found = new Map<string, Row>();
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const rows = await this.all(`SELECT t.* FROM ${q(entity.logicalName)} t JOIN (VALUES ${chunk.map(() => tuple).join(', ')}) v(${columns.map((_, n) => `k${n}`).join(', ')})
        ON ${columns.map((c, n) => `t.${q(c)} IS NOT DISTINCT FROM v.k${n}`).join(' AND ')}`, chunk.flat());
      for (const row of rows) found.set(keyText(columns.map((c) => row[c] ?? null)), row);
    }
    return found;
  }

  /**
   * Writes many rows in one go: new rows inserted, changed rows replaced by their merged values. Alternate keys stay
   * unique across the batch and the table. Call inside a transaction.
   */
  async writeMany(entity: EntityMeta, inserts: readonly Row[], updates: ReadonlyArray<{ existing: Row; changes: Row }>, user: string): Promise<string[]> {
    const now = timestamp();
    const rows: Row[] = [];
    const ids: string[] = [];
    for (const values of inserts) {
      const id = String(values[entity.primaryId] ?? randomUUID()).toLowerCase();
      rows.push({ statecode: 0, statuscode: 1, ...values, [entity.primaryId]: id, createdon: now, modifiedon: now, createdby: user, modifiedby: user,
        ...(entity.userOwned ? { ownerid: user } : {}), versionnumber: this.version++ });
      ids.push(id);
    }
    const replaced = updates.map(({ existing, changes }) => {
      const id = String(existing[entity.primaryId]);
      ids.push(id);
      const row = { ...existing, ...changes, [entity.primaryId]: id, modifiedon: now, modifiedby: user, versionnumber: this.version++ };
      rows.push(row);
      return id;
    });
    if (inserts.length > 0) {
      const newIds = ids.slice(0, inserts.length);
      if ((await this.findMany(entity, [entity.primaryId], newIds.map((id) => [id]))).size > 0) {
        throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
      }
    }
    for (const key of entity.keys) {
      const tuples = rows.map((r) => key.columns.map((c) => r[c] ?? null)).filter((t) => t.every((v) => v !== null));
      if (new Set(tuples.map(keyText)).size !== tuples.length) throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
      const holders = await this.findMany(entity, key.columns, tuples);
      for (const [text, holder] of holders) {
        const mine = rows.find((r) => keyText(key.columns.map((c) => r[c] ?? null)) === text);
        if (mine && holder[entity.primaryId] !== mine[entity.primaryId]) {
          throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
        }
      }
    }
    for (let i = 0; i < replaced.length; i += 500) {
      const chunk = replaced.slice(i, i + 500);
      await this.run(`DELETE FROM ${q(entity.logicalName)} WHERE ${q(entity.primaryId)} IN (${chunk.map(() => '?').join(', ')})`, chunk);
    }
    await this.append(entity, rows);
    return ids;
  }

  /** Bulk insert through DuckDB's appender, each value appended as its column's type. */
  private async append(entity: EntityMeta, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.connection.createAppender(entity.logicalName);
    const columns = [...entity.columns.values()];
    for (const row of rows) {
      for (const column of columns) {
        const value = row[column.logicalName] ?? null;
        if (value === null) appender.appendNull();
        else if (column.type.kind === 'integer' || column.type.kind === 'choice') appender.appendInteger(Number(value));
        else if (column.type.kind === 'decimal') appender.appendDouble(Number(value));
        else if (column.type.kind === 'boolean') appender.appendBoolean(Boolean(value));
        else if (column.type.kind === 'rowversion') appender.appendBigInt(BigInt(value as number));
        else appender.appendVarchar(String(value));
      }
      appender.endRow();
    }
    appender.closeSync();
  }

  async delete(entity: EntityMeta, id: string): Promise<void> {
    if (!(await this.byId(entity, id))) throw notFound(`${entity.logicalName} With Id = ${id} Does Not Exist`);
    // Lookups to the deleted row follow the relationship's delete behaviour.
    for (const other of ENTITIES) {
      for (const column of other.columns.values()) {
        if (column.type.kind !== 'lookup' || column.type.target !== entity.logicalName) continue;
        const referencing = await this.all(`SELECT ${q(other.primaryId)} AS id FROM ${q(other.logicalName)} WHERE ${q(column.logicalName)} = ?`, [id]);
        if (referencing.length === 0) continue;
        if (column.type.onDelete === 'Restrict') {
          throw new DataverseError(400, '0x80040227', `The ${entity.logicalName} cannot be deleted because ${referencing.length} ${other.logicalName} rows refer to it through ${column.logicalName}.`);
        }
        if (column.type.onDelete === 'Cascade') for (const r of referencing) await this.delete(other, String(r.id));
        else await this.run(`UPDATE ${q(other.logicalName)} SET ${q(column.logicalName)} = NULL WHERE ${q(column.logicalName)} = ?`, [id]);
      }
    }
    await this.run(`DELETE FROM ${q(entity.logicalName)} WHERE ${q(entity.primaryId)} = ?`, [id]);
  }

  /** One page of a query, ordered by the query's order and then the primary key, so pages are stable. */
  async query(entity: EntityMeta, spec: QuerySpec, offset: number, limit: number): Promise<{ rows: Row[]; total: number | undefined }> {
    const where = spec.filter ? `WHERE ${spec.filter.text}` : '';
    const params: Value[] = spec.filter ? [...spec.filter.params] : [];
    // Dataverse sorts text case-insensitively (its collation); nulls come first ascending, last descending.
    const sortKey = (column: string) => (['text', 'memo'].includes(entity.columns.get(column)!.type.kind) ? `lower(${q(column)})` : q(column));
    const order = [...spec.orderBy.map((o) => `${sortKey(o.column)} ${o.descending ? 'DESC' : 'ASC'} NULLS ${o.descending ? 'LAST' : 'FIRST'}`), q(entity.primaryId)];
    const rows = await this.all(`SELECT * FROM ${q(entity.logicalName)} ${where} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    let total: number | undefined;
    if (spec.count) total = Number((await this.all(`SELECT count(*) AS n FROM ${q(entity.logicalName)} ${where}`, params))[0]!.n);
    return { rows, total };
  }

  /**
   * An aggregate query's groups: how many rows it reads first (over the limit it is refused as Dataverse refuses it),
   * then one row per group, keyed by alias. Nulls do not count; a sum over no values is 0.
   */
  async aggregate(entity: EntityMeta, filter: QuerySpec['filter'], spec: AggregateSpec, offset: number, limit: number): Promise<Row[]> {
    const where = filter ? `WHERE ${filter.text}` : '';
    const params: Value[] = filter ? [...filter.params] : [];
    const read = Number((await this.all(`SELECT count(*) AS n FROM ${q(entity.logicalName)} ${where}`, params))[0]!.n);
    if (read > spec.limit) {
      throw new DataverseError(400, '0x8004e023', 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.');
    }
    const expressions = spec.columns.map((c) => {
      const name = q(c.column.logicalName);
      const value = c.column.type.kind === 'datetime' ? `CAST(${name} AS TIMESTAMP)` : name;
      if (c.groupby) return c.dategrouping ? `${c.dategrouping}(${value})` : name;
      switch (c.aggregate) {
        case 'count': return 'count(*)';
        case 'countcolumn': return c.distinct ? `count(DISTINCT ${name})` : `count(${name})`;
        case 'sum': return `coalesce(sum(${name}), 0)`;
        default: return `${c.aggregate!}(${value})`;
      }
    });
    const groups = spec.columns.map((c, i) => (c.groupby ? expressions[i]! : undefined)).filter((e): e is string => e !== undefined);
    const order = [...spec.orders.map((o) => `${q(`a_${spec.columns.findIndex((c) => c.alias === o.alias)}`)} ${o.descending ? 'DESC' : 'ASC'} NULLS FIRST`),
      ...groups.map((_, i) => String(i + 1))];
    const select = spec.columns.map((c, i) => `${expressions[i]} AS ${q(`a_${i}`)}`).join(', ');
    const rows = await this.all(`SELECT ${select} FROM ${q(entity.logicalName)} ${where}${groups.length > 0 ? ` GROUP BY ${groups.join(', ')}` : ''}`
      + `${order.length > 0 && groups.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    return rows.map((row) => Object.fromEntries(spec.columns.map((c, i) => {
      const value = row[`a_${i}`] ?? null;
      return [c.alias, value];
    })));
  }

  private async checkKeys(entity: EntityMeta, row: Row, id: string): Promise<void> {
    for (const key of entity.keys) {
      const values = Object.fromEntries(key.columns.map((c) => [c, row[c] ?? null]));
      if (Object.values(values).some((v) => v === null)) continue;
      const other = await this.byKey(entity, values);
      if (other && other[entity.primaryId] !== id) {
        throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
      }
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

const keyText = (values: readonly Value[]): string => JSON.stringify(values);

export const timestamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Checks and converts one written value to what the column stores, with the Web API's messages. */
export function storedValue(entity: EntityMeta, column: ColumnMeta, value: unknown): Value {
  if (value === null) return null;
  const t = column.type;
  const where = `the '${column.logicalName}' attribute of the '${entity.logicalName}' entity`;
  switch (t.kind) {
    case 'text': case 'memo':
      if (typeof value !== 'string') throw validation(`A value of type string is expected for ${where}`);
      if (value.length > t.maxLength) throw validation(`The length of ${where} exceeded the maximum allowed length of '${t.maxLength}'.`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw validation(`A whole number is expected for ${where}`);
      if (value < t.min || value > t.max) throw validation(`The value ${value} of ${where} is outside the valid range (${t.min} to ${t.max}).`);
      return value;
    case 'decimal': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw validation(`A decimal number is expected for ${where}`);
      if (value < t.min || value > t.max) throw validation(`The value ${value} of ${where} is outside the valid range (${t.min} to ${t.max}).`);
      const scale = 10 ** t.precision;
      return Math.round(value * scale) / scale;
    }
    case 'datetime':
      if (typeof value !== 'string') throw validation(`A date and time is expected for ${where}`);
      return normalizeDate(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw validation(`true or false is expected for ${where}`);
      return value;
    case 'choice':
      if (typeof value !== 'number' || !t.choices.some((c) => c.value === value)) {
        throw validation(`${String(value)} is not a valid value for ${where}. Valid values: ${t.choices.map((c) => c.value).join(', ')}`);
      }
      return value;
    default:
      throw validation(`${where} cannot be set directly`);
  }
}
