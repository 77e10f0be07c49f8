/**
 * The FetchXML the grid sends for the whole view, not only its loaded page: the view's own query (its saved query,
 * read by id) with the dataset's filter added as the platform adds it, turned into an aggregate of the Material rows
 * (count, absolute and net value) or into pages of the figures the what-if bar reclassifies. Pure functions over
 * XML text (DOMParser), so they run and are tested without a PCF host.
 */
import { CLASSIFICATION, discrepancy } from '../core/dataverse/tables.js';

type FilterExpression = ComponentFramework.PropertyHelper.DataSetApi.FilterExpression;

const D = discrepancy.columns;
const MATERIAL = CLASSIFICATION.find((c) => c.label === 'Material')!.value;
/** Rows per page when the figures of the whole view are read (FetchXML's largest page). */
export const FIGURES_PAGE_SIZE = 5000;
/** The columns the what-if bar reclassifies with. */
export const FIGURE_ATTRIBUTES = [discrepancy.primaryId, D.d365Qty.logicalName, D.qtyVariance.logicalName, D.residual.logicalName,
  D.valueVariance.logicalName, D.classification.logicalName];

/** Condition operators of the dataset API (Microsoft.Xrm.Sdk.Query.ConditionOperator) the grid uses, as FetchXML names them. */
const OPERATORS: Record<number, string> = { 0: 'eq', 1: 'ne', 6: 'like', 7: 'not-like', 12: 'null', 13: 'not-null' };

function parse(fetchXml: string): { doc: Document; fetch: Element; entity: Element } {
  const doc = new DOMParser().parseFromString(fetchXml, 'application/xml');
  const fetch = doc.documentElement;
  const entity = fetch.getElementsByTagName('entity')[0];
  if (fetch.nodeName !== 'fetch' || !entity) throw new Error('The view has no FetchXML query the grid can read.');
  return { doc, fetch, entity };
}

const children = (element: Element, name: string): Element[] => Array.from(element.children).filter((c) => c.nodeName === name);

/** A dataset filter as a FetchXML filter element (Equal, NotEqual, Like, NotLike, Null, NotNull conditions, nested filters). */
export function filterElement(doc: Document, expression: FilterExpression): Element {
  const filter = doc.createElement('filter');
  filter.setAttribute('type', expression.filterOperator === 1 ? 'or' : 'and');
  for (const c of expression.conditions ?? []) {
    const operator = OPERATORS[c.conditionOperator];
    if (operator === undefined) throw new Error(`condition operator ${c.conditionOperator} is not one the grid sends`);
    const condition = doc.createElement('condition');
    condition.setAttribute('attribute', c.attributeName);
    condition.setAttribute('operator', operator);
    if (operator !== 'null' && operator !== 'not-null') condition.setAttribute('value', String(c.value));
    filter.appendChild(condition);
  }
  for (const child of expression.filters ?? []) filter.appendChild(filterElement(doc, child));
  return filter;
}

/** The view's query with the dataset's filter and without its columns, orders and paging: the rows of the whole view. */
function wholeView(viewFetchXml: string, datasetFilter: FilterExpression | undefined) {
  const parsed = parse(viewFetchXml);
  const { doc, fetch, entity } = parsed;
  for (const name of ['count', 'page', 'top', 'paging-cookie', 'returntotalrecordcount']) fetch.removeAttribute(name);
  for (const element of [...children(entity, 'attribute'), ...children(entity, 'order'), ...children(entity, 'all-attributes')]) element.remove();
  const hasConditions = datasetFilter && ((datasetFilter.conditions?.length ?? 0) > 0 || (datasetFilter.filters?.length ?? 0) > 0);
  if (hasConditions) entity.insertBefore(filterElement(doc, datasetFilter), children(entity, 'link-entity')[0] ?? null);
  const attribute = (name: string, extra: Record<string, string> = {}) => {
    const element = doc.createElement('attribute');
    element.setAttribute('name', name);
    for (const [key, value] of Object.entries(extra)) element.setAttribute(key, value);
    entity.insertBefore(element, entity.firstChild);
  };
  return { ...parsed, attribute, serialize: () => new XMLSerializer().serializeToString(doc) };
}

/** The aggregate of the view's Material rows: their count and their absolute and net value. */
export function materialTotalsFetch(viewFetchXml: string, datasetFilter: FilterExpression | undefined): string {
  const view = wholeView(viewFetchXml, datasetFilter);
  view.fetch.setAttribute('aggregate', 'true');
  view.fetch.removeAttribute('distinct');
  view.attribute(D.valueVariance.logicalName, { alias: 'net', aggregate: 'sum' });
  view.attribute(D.absoluteValue.logicalName, { alias: 'absolute', aggregate: 'sum' });
  view.attribute(discrepancy.primaryId, { alias: 'lines', aggregate: 'count' });
  const material = view.doc.createElement('filter');
  const condition = view.doc.createElement('condition');
  condition.setAttribute('attribute', D.classification.logicalName);
  condition.setAttribute('operator', 'eq');
  condition.setAttribute('value', String(MATERIAL));
  material.appendChild(condition);
  view.entity.insertBefore(material, children(view.entity, 'link-entity')[0] ?? null);
  return view.serialize();
}

/** One page of the figures of every row in the view, in a stable order. */
export function figuresFetch(viewFetchXml: string, datasetFilter: FilterExpression | undefined, page: number): string {
  const view = wholeView(viewFetchXml, datasetFilter);
  view.fetch.setAttribute('count', String(FIGURES_PAGE_SIZE));
  view.fetch.setAttribute('page', String(page));
  const order = view.doc.createElement('order');
  order.setAttribute('attribute', discrepancy.primaryId);
  view.entity.insertBefore(order, view.entity.firstChild);
  for (const name of [...FIGURE_ATTRIBUTES].reverse()) view.attribute(name);
  return view.serialize();
}

export interface MaterialTotals { count: number; absoluteValue: number; netValue: number }

/** The aggregate's one row → the totals (sums over no rows come back as 0, or missing). */
export function totalsOf(row: Record<string, unknown> | undefined): MaterialTotals {
  const number = (value: unknown) => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
  return { count: number(row?.lines), absoluteValue: number(row?.absolute), netValue: number(row?.net) };
}
