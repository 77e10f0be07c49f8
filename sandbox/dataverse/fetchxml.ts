/**
 * FetchXML on the Web API (`GET <entityset>?fetchXml=…`, offline.md §2), the subset saved views use: attributes,
 * orders, nested and/or filters with eq/ne/gt/ge/lt/le/in/like/null/not-null, inner link-entities filtered on the
 * linked table, and page/count paging with the more-records flag. Anything else is refused by name.
 */
import { XMLParser } from 'fast-xml-parser';
import { badRequest, notSupported } from './errors.js';
import { entityByName, type ColumnMeta, type EntityMeta } from './metadata.js';
import { normalizeDate, propertyOf, type QuerySpec, type Sql } from './odata.js';

export interface FetchQuery { spec: QuerySpec; page: number; count: number; returnTotal: boolean }

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
  if (attr(fetch, 'aggregate') === 'true') throw notSupported('FetchXML aggregation');
  const params: Sql['params'] = [];
  const select = root['all-attributes'] !== undefined ? undefined : items(root, 'attribute').map((a) => propertyOf(columnNamed(entity, attr(a, 'name'))));
  const orderBy = items(root, 'order').map((o) => {
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
    page, count, returnTotal: attr(fetch, 'returntotalrecordcount') === 'true',
  };
}
