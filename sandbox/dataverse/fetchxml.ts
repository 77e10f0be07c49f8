/**
 * FetchXML on the Web API (`GET <entityset>?fetchXml=…`, offline.md §2), the subset saved views and charts use:
 * attributes, orders, nested and/or filters with eq/ne/gt/ge/lt/le/in/like/null/not-null, inner link-entities filtered
 * on the linked table, page/count paging with the more-records flag, and aggregation (`aggregate="true"`: count,
 * countcolumn (distinct), sum, avg, min, max, groupby with day/week/month/quarter/year date grouping, orders by alias,
 * the 50,000-row AggregateQueryRecordLimit and `aggregatelimit`), as "Aggregate data using FetchXml" documents it.
 * Anything else is refused by name.
 */
import { XMLParser } from 'fast-xml-parser';
import { badRequest, notSupported } from './errors.js';
import { entityByName, type ColumnMeta, type EntityMeta } from './metadata.js';
import { normalizeDate, propertyOf, type QuerySpec, type Sql } from './odata.js';

export interface FetchQuery { spec: QuerySpec; page: number; count: number; returnTotal: boolean; aggregate?: AggregateSpec | undefined }

export const AGGREGATE_FUNCTIONS = ['count', 'countcolumn', 'sum', 'avg', 'min', 'max'] as const;
export const DATE_GROUPINGS = ['day', 'week', 'month', 'quarter', 'year'] as const;
/** Dataverse's default limit of rows an aggregate query may read (AggregateQueryRecordLimit). */
export const AGGREGATE_ROW_LIMIT = 50000;

export interface AggregateColumn {
  alias: string;
  column: ColumnMeta;
  aggregate?: (typeof AGGREGATE_FUNCTIONS)[number] | undefined;
  distinct: boolean;
  groupby: boolean;
  dategrouping?: (typeof DATE_GROUPINGS)[number] | undefined;
}

/** An aggregate query: its columns (each an aggregate or a group), orders by alias, and its row limit. */
export interface AggregateSpec { columns: AggregateColumn[]; orders: Array<{ alias: string; descending: boolean }>; limit: number }

/**
 * The caller's read scope of a table: SQL restricting it to the rows they may read (their own, at Basic depth), or
 * undefined for all; it may refuse the table outright (no read privilege).
 */
export type ReadScope = (entity: EntityMeta, params: Sql['params']) => string | undefined;

type Element = Record<string, unknown>;
const ARRAYS = new Set(['attribute', 'order', 'filter', 'condition', 'value', 'link-entity']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ARRAYS.has(name), parseTagValue: false, parseAttributeValue: false });
const items = (element: Element, name: string): Element[] => (element[name] as Element[] | undefined) ?? [];
const attr = (element: Element, name: string): string | undefined => element[`@${name}`] as string | undefined;
const COMPARISON: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

function columnNamed(entity: EntityMeta, name: string | undefined): ColumnMeta {
  const column = name === undefined ? undefined : entity.columns.get(name);
  if (!column) throw badRequest(`'${entity.logicalName}' entity doesn't contain attribute with Name = '${name ?? ''}'.`);
  return column;
}

function valueFor(column: ColumnMeta, text: string): string | number | boolean {
  switch (column.type.kind) {
    case 'integer': case 'decimal': case 'choice': case 'rowversion': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw badRequest(`FetchXML: ${column.logicalName} takes a number, not '${text}'`);
      return n;
    }
    case 'boolean':
      if (!['0', '1', 'true', 'false'].includes(text)) throw badRequest(`FetchXML: ${column.logicalName} takes 0 or 1, not '${text}'`);
      return text === '1' || text === 'true';
    case 'datetime': return normalizeDate(text);
    case 'id': case 'guid': case 'lookup': return text.replace(/[{}]/g, '').toLowerCase();
    default: return text;
  }
}

function condition(entity: EntityMeta, element: Element, params: Sql['params']): string {
  const column = columnNamed(entity, attr(element, 'attribute'));
  const operator = attr(element, 'operator') ?? '';
  const name = `"${column.logicalName}"`;
  const textual = ['text', 'memo', 'id', 'guid', 'lookup'].includes(column.type.kind);
  const side = (sql: string) => (textual ? `lower(${sql})` : sql);
  if (operator === 'null') return `${name} IS NULL`;
  if (operator === 'not-null') return `${name} IS NOT NULL`;
  if (operator === 'in' || operator === 'not-in') {
    const values = items(element, 'value').map((v) => valueFor(column, typeof v === 'string' ? v : String((v as Element)['#text'] ?? '')));
    if (values.length === 0) throw badRequest(`FetchXML: the ${operator} condition on ${column.logicalName} has no values`);
    params.push(...values);
    const list = `${side(name)} IN (${values.map(() => side('?')).join(', ')})`;
    return operator === 'in' ? list : `(NOT ${list} OR ${name} IS NULL)`;
  }
  const value = attr(element, 'value');
  if (value === undefined) throw badRequest(`FetchXML: the ${operator} condition on ${column.logicalName} needs a value`);
  if (value.includes('{0}')) throw badRequest('FetchXML: a quick find placeholder {0} cannot be run; put the search text in');
  if (operator === 'like' || operator === 'not-like') {
    params.push(value);
    return `${operator === 'like' ? '' : 'NOT '}lower(${name}) LIKE lower(?)`;
  }
  const sql = COMPARISON[operator];
  if (!sql) throw notSupported(`the FetchXML operator '${operator}'`);
  params.push(valueFor(column, value));
  return operator === 'ne' ? `(${side(name)} <> ${side('?')} OR ${name} IS NULL)` : `${side(name)} ${sql} ${side('?')}`;
}

function filter(entity: EntityMeta, element: Element, params: Sql['params']): string | undefined {
  const type = attr(element, 'type') ?? 'and';
  if (type !== 'and' && type !== 'or') throw badRequest(`FetchXML: filter type '${type}'`);
  const parts = [...items(element, 'condition').map((c) => condition(entity, c, params)),
    ...items(element, 'filter').map((f) => filter(entity, f, params)).filter((p): p is string => p !== undefined)];
  return parts.length === 0 ? undefined : `(${parts.join(` ${type.toUpperCase()} `)})`;
}

/** The conditions of an entity or link-entity element, its links included. */
function where(entity: EntityMeta, element: Element, params: Sql['params'], scope: ReadScope): string[] {
  const parts = items(element, 'filter').map((f) => filter(entity, f, params)).filter((p): p is string => p !== undefined);
  for (const link of items(element, 'link-entity')) {
    const linked = entityByName.get(attr(link, 'name') ?? '');
    if (!linked) throw badRequest(`FetchXML: no table '${attr(link, 'name') ?? ''}' to link`);
    const linkType = attr(link, 'link-type') ?? 'inner';
    if (linkType !== 'inner') throw notSupported(`FetchXML link-type '${linkType}'`);
    if (items(link, 'attribute').length > 0 || link['all-attributes'] !== undefined) throw notSupported('attributes of a linked table (FetchXML link-entity columns)');
    const from = columnNamed(linked, attr(link, 'from'));
    const to = columnNamed(entity, attr(link, 'to'));
    const inner = where(linked, link, params, scope);
    const linkedScope = scope(linked, params);
    if (linkedScope !== undefined) inner.push(linkedScope);
    parts.push(`"${to.logicalName}" IN (SELECT "${from.logicalName}" FROM "${linked.logicalName}"${inner.length > 0 ? ` WHERE ${inner.join(' AND ')}` : ''})`);
  }
  return parts;
}

export function parseFetchXml(entity: EntityMeta, fetchXml: string, scope: ReadScope = () => undefined): FetchQuery {
  let document: Element;
  try {
    document = parser.parse(fetchXml, true) as Element;
  } catch (error) {
    throw badRequest(`The fetchXml is not well-formed XML: ${(error as Error).message}`);
  }
  const fetch = document.fetch as Element | undefined;
  const root = fetch?.entity as Element | undefined;
  if (!fetch || !root) throw badRequest('The fetchXml needs <fetch><entity name="…">');
  if (attr(root, 'name') !== entity.logicalName) throw badRequest(`The fetchXml queries '${attr(root, 'name') ?? ''}', not ${entity.logicalName} (the entity set in the URL)`);
  const aggregate = attr(fetch, 'aggregate') === 'true' ? aggregateSpec(entity, root, fetch) : undefined;
  const params: Sql['params'] = [];
  const select = root['all-attributes'] !== undefined || aggregate ? undefined : items(root, 'attribute').map((a) => propertyOf(columnNamed(entity, attr(a, 'name'))));
  const orderBy = aggregate ? [] : items(root, 'order').map((o) => {
    if (attr(o, 'alias') !== undefined) throw notSupported('FetchXML order by alias');
    return { column: columnNamed(entity, attr(o, 'attribute')).logicalName, descending: attr(o, 'descending') === 'true' };
  });
  const conditions = where(entity, root, params, scope);
  const rootScope = scope(entity, params);
  if (rootScope !== undefined) conditions.push(rootScope);
  const count = Number(attr(fetch, 'count') ?? attr(fetch, 'top') ?? 5000);
  const page = Number(attr(fetch, 'page') ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 5000) throw badRequest(`FetchXML count must be 1 to 5000, not ${attr(fetch, 'count') ?? ''}`);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`FetchXML page must be 1 or more, not ${attr(fetch, 'page') ?? ''}`);
  return {
    spec: { select, filter: conditions.length > 0 ? { text: conditions.join(' AND '), params } : undefined, orderBy, top: undefined, count: false, skipToken: undefined },
    page, count, returnTotal: attr(fetch, 'returntotalrecordcount') === 'true', aggregate,
  };
}

/** The columns and orders of an aggregate fetch: every attribute needs an alias and either an aggregate or groupby. */
function aggregateSpec(entity: EntityMeta, root: Element, fetch: Element): AggregateSpec {
  if (root['all-attributes'] !== undefined) throw badRequest('FetchXML: all-attributes cannot be used in an aggregate query');
  const columns = items(root, 'attribute').map((a): AggregateColumn => {
    const column = columnNamed(entity, attr(a, 'name'));
    const alias = attr(a, 'alias');
    if (!alias) throw badRequest(`FetchXML: the aggregate query's attribute ${column.logicalName} needs an alias`);
    const fn = attr(a, 'aggregate');
    const groupby = attr(a, 'groupby') === 'true';
    if (fn !== undefined && !(AGGREGATE_FUNCTIONS as readonly string[]).includes(fn)) throw badRequest(`FetchXML: '${fn}' is not an aggregate function (${AGGREGATE_FUNCTIONS.join(', ')})`);
    if ((fn === undefined) === !groupby) throw badRequest(`FetchXML: the attribute aliased ${alias} needs either aggregate or groupby="true" in an aggregate query`);
    if (fn && ['sum', 'avg'].includes(fn) && !['integer', 'decimal'].includes(column.type.kind)) throw badRequest(`FetchXML: ${fn} needs a number column, not ${column.logicalName}`);
    const dategrouping = attr(a, 'dategrouping');
    if (dategrouping !== undefined) {
      if (!(DATE_GROUPINGS as readonly string[]).includes(dategrouping)) throw notSupported(`the FetchXML date grouping '${dategrouping}'`);
      if (column.type.kind !== 'datetime') throw badRequest(`FetchXML: dategrouping needs a date column, not ${column.logicalName}`);
    }
    return { alias, column, aggregate: fn as AggregateColumn['aggregate'], distinct: attr(a, 'distinct') === 'true', groupby,
      dategrouping: dategrouping as AggregateColumn['dategrouping'] };
  });
  if (columns.length === 0) throw badRequest('FetchXML: an aggregate query needs at least one attribute with an aggregate');
  const aliases = new Set<string>();
  for (const c of columns) {
    if (aliases.has(c.alias.toLowerCase())) throw badRequest(`FetchXML: the alias ${c.alias} is used twice`);
    aliases.add(c.alias.toLowerCase());
  }
  const orders = items(root, 'order').map((o) => {
    const alias = attr(o, 'alias');
    if (alias === undefined) throw badRequest('FetchXML: an aggregate query orders by alias (order alias="…"), not by attribute');
    if (!columns.some((c) => c.alias === alias)) throw badRequest(`FetchXML: no attribute has the alias ${alias} to order by`);
    return { alias, descending: attr(o, 'descending') === 'true' };
  });
  const limitText = attr(fetch, 'aggregatelimit');
  const limit = limitText === undefined ? AGGREGATE_ROW_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > AGGREGATE_ROW_LIMIT) throw badRequest(`FetchXML aggregatelimit must be 1 to ${AGGREGATE_ROW_LIMIT}, not ${limitText ?? ''}`);
  return { columns, orders, limit };
}
