/**
 * OData query options → parameterised SQL, through @odata/parser (offline.md §2). Only this module knows the
 * parser's AST. Strings compare case-insensitively, as in Dataverse; anything not translated is refused by name.
 */
import { defaultParser } from '@odata/parser';
import { badRequest, notSupported } from './errors.js';
import { lookupValueName } from '../../core/dataverse/schema.js';
import type { ColumnMeta, EntityMeta } from './metadata.js';

export interface Sql { text: string; params: Array<string | number | boolean | null> }

export interface QuerySpec {
  select: string[] | undefined;
  filter: Sql | undefined;
  orderBy: Array<{ column: string; descending: boolean }>;
  top: number | undefined;
  count: boolean;
  skipToken: string | undefined;
}

interface Node { type: string; value: unknown; raw: string }

const SUPPORTED_OPTIONS = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$skiptoken']);

/** The column a property name means: a column's logical name, or `_x_value` for lookup x. */
export function columnOf(entity: EntityMeta, property: string): ColumnMeta {
  const lookup = /^_(.+)_value$/.exec(property);
  const column = entity.columns.get(lookup ? lookup[1]! : property);
  if (!column || (lookup && column.type.kind !== 'lookup') || (!lookup && column.type.kind === 'lookup')) {
    throw badRequest(`Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`);
  }
  return column;
}

/** The name a column goes by in responses. */
export const propertyOf = (column: ColumnMeta): string => (column.type.kind === 'lookup' ? lookupValueName(column.logicalName) : column.logicalName);

export function parseQuery(entity: EntityMeta, search: URLSearchParams): QuerySpec {
  for (const name of search.keys()) {
    if (name === '$skip') throw badRequest("The query parameter $skip is not supported");
    if (name.startsWith('$') && !SUPPORTED_OPTIONS.has(name)) throw notSupported(`the query option ${name}`);
  }
  const spec: QuerySpec = { select: undefined, filter: undefined, orderBy: [], top: undefined, count: false, skipToken: search.get('$skiptoken') ?? undefined };
  const select = search.get('$select');
  if (select !== null) {
    spec.select = select.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of spec.select) columnOf(entity, name);
  }
  const filter = search.get('$filter');
  if (filter !== null) spec.filter = translateFilter(entity, filter);
  const orderBy = search.get('$orderby');
  if (orderBy !== null) {
    for (const item of orderBy.split(',')) {
      const [name, direction, extra] = item.trim().split(/\s+/);
      if (!name || extra !== undefined || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) throw badRequest(`Invalid $orderby item '${item.trim()}'`);
      spec.orderBy.push({ column: columnOf(entity, name).logicalName, descending: direction?.toLowerCase() === 'desc' });
    }
  }
  const top = search.get('$top');
  if (top !== null) {
    if (!/^\d+$/.test(top)) throw badRequest(`Invalid value for $top: '${top}'`);
    spec.top = Number(top);
  }
  const count = search.get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false') throw badRequest(`Invalid value for $count: '${count}'`);
    spec.count = count === 'true';
  }
  return spec;
}

export function translateFilter(entity: EntityMeta, expression: string): Sql {
  let ast: Node;
  try {
    ast = defaultParser.filter(expression) as unknown as Node;
  } catch (error) {
    throw badRequest(`Syntax error in $filter '${expression}': ${(error as Error).message}`);
  }
  const params: Sql['params'] = [];
  return { text: new FilterTranslator(entity, params).expression(ast), params };
}

const COMPARISONS: Record<string, string> = {
  EqualsExpression: '=', NotEqualsExpression: '<>', LesserThanExpression: '<', LesserOrEqualsExpression: '<=',
  GreaterThanExpression: '>', GreaterOrEqualsExpression: '>=',
};

type Operand = { kind: 'column'; column: ColumnMeta } | { kind: 'literal'; value: string | number | boolean | null; edm: string };

class FilterTranslator {
  constructor(private readonly entity: EntityMeta, private readonly params: Sql['params']) {}

  expression(node: Node): string {
    const value = node.value as { left: Node; right: Node } & Node;
    switch (node.type) {
      case 'AndExpression': return `(${this.expression(value.left)} AND ${this.expression(value.right)})`;
      case 'OrExpression': return `(${this.expression(value.left)} OR ${this.expression(value.right)})`;
      case 'NotExpression': return `(NOT ${this.expression(node.value as Node)})`;
      case 'BoolParenExpression': case 'ParenExpression': return `(${this.expression(node.value as Node)})`;
      case 'MethodCallExpression': return this.method(node.value as { method: string; parameters: Node[] });
      default: {
        const operator = COMPARISONS[node.type];
        if (!operator) throw notSupported(`'${node.raw}' in $filter`);
        return this.comparison(operator, this.operand(value.left), this.operand(value.right), node.raw);
      }
    }
  }

  private comparison(operator: string, left: Operand, right: Operand, raw: string): string {
    if (left.kind !== 'column' || right.kind !== 'literal') throw notSupported(`'${raw}' in $filter (compare a column with a value)`);
    const column = `"${left.column.logicalName}"`;
    if (right.value === null) {
      if (operator === '=') return `${column} IS NULL`;
      if (operator === '<>') return `${column} IS NOT NULL`;
      throw badRequest(`'${raw}': null can only be compared with eq or ne`);
    }
    const value = this.literalFor(left.column, right, raw);
    this.params.push(value);
    const textual = typeof value === 'string' && ['text', 'memo', 'id', 'guid', 'lookup'].includes(left.column.type.kind);
    // Dataverse compares strings case-insensitively; ne also matches rows where the column is null.
    const lhs = textual ? `lower(${column})` : column;
    const rhs = textual ? 'lower(?)' : '?';
    return operator === '<>' ? `(${lhs} <> ${rhs} OR ${column} IS NULL)` : `${lhs} ${operator} ${rhs}`;
  }

  private method(call: { method: string; parameters: Node[] }): string {
    const patterns: Record<string, (s: string) => string> = { contains: (s) => `%${s}%`, startswith: (s) => `${s}%`, endswith: (s) => `%${s}` };
    const pattern = patterns[call.method];
    if (!pattern) throw notSupported(`the function ${call.method}() in $filter`);
    const [target, argument] = call.parameters.map((p) => this.operand(p));
    if (target?.kind !== 'column' || argument?.kind !== 'literal' || typeof argument.value !== 'string') {
      throw badRequest(`${call.method}() takes a column and a string`);
    }
    this.params.push(pattern(argument.value.replace(/[\\%_]/g, (c) => `\\${c}`)));
    return `lower("${target.column.logicalName}") LIKE lower(?) ESCAPE '\\'`;
  }

  private operand(node: Node): Operand {
    if (node.type === 'Literal') return this.literal(node);
    if (node.type === 'FirstMemberExpression' || node.type === 'MemberExpression' || node.type === 'PropertyPathExpression' || node.type === 'ODataIdentifier') {
      const name = node.raw;
      if (name.includes('/')) throw notSupported(`navigation paths such as '${name}' in $filter`);
      return { kind: 'column', column: columnOf(this.entity, name) };
    }
    throw notSupported(`'${node.raw}' in $filter`);
  }

  private literal(node: Node): Operand {
    const edm = String(node.value);
    const raw = node.raw;
    switch (edm) {
      case 'null': return { kind: 'literal', value: null, edm };
      case 'Edm.String': return { kind: 'literal', value: raw.slice(1, -1).replace(/''/g, "'"), edm };
      case 'Edm.Boolean': return { kind: 'literal', value: raw === 'true', edm };
      case 'Edm.Guid': return { kind: 'literal', value: raw.toLowerCase(), edm };
      case 'Edm.DateTimeOffset': case 'Edm.Date': return { kind: 'literal', value: normalizeDate(raw), edm };
      case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Decimal': case 'Edm.Double': case 'Edm.Single': case 'Edm.Byte': case 'Edm.SByte':
        return { kind: 'literal', value: Number(raw.replace(/[mMdDfFlL]$/, '')), edm };
      default: throw notSupported(`${edm} literals in $filter`);
    }
  }

  /** Checks a literal fits the column it is compared with, as the Web API does. */
  private literalFor(column: ColumnMeta, literal: Operand & { kind: 'literal' }, raw: string): string | number | boolean {
    const kind = column.type.kind;
    const value = literal.value!;
    const numeric = ['integer', 'decimal', 'choice', 'rowversion'].includes(kind);
    if (numeric && typeof value !== 'number') throw badRequest(`'${raw}': ${column.logicalName} takes a number`);
    if ((kind === 'id' || kind === 'guid' || kind === 'lookup') && literal.edm !== 'Edm.Guid') throw badRequest(`'${raw}': ${column.logicalName} takes a GUID`);
    if (kind === 'boolean' && typeof value !== 'boolean') throw badRequest(`'${raw}': ${column.logicalName} takes true or false`);
    if (kind === 'datetime' && literal.edm !== 'Edm.DateTimeOffset' && literal.edm !== 'Edm.Date') throw badRequest(`'${raw}': ${column.logicalName} takes a date`);
    if ((kind === 'text' || kind === 'memo') && typeof value !== 'string') throw badRequest(`'${raw}': ${column.logicalName} takes a string`);
    return value;
  }
}

/** Dates are stored as ISO 8601 UTC without milliseconds, so text order is time order. */
export function normalizeDate(text: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw badRequest(`'${text}' is not a date`);
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
