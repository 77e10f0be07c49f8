/**
 * Maps each loaded file onto the canonical key in DuckDB views: one row per record with its key fields, its
 * quantity in D365 units and, when it cannot be used, the reason. Mapping decisions are made in `core/` once per
 * distinct WMS value and joined back, so the rules live in one place and the per-line work stays in SQL.
 */
import type { ItemMappingTarget, ReconcileConfig } from '../core/config.js';
import { D365_FORMATS } from '../core/formats.js';
import { LEVEL_FIELDS, PRODUCT_DIMENSIONS, type LevelField } from '../core/keys.js';
import { mapFacility, mapItem, mapStatus, unitFactor } from '../core/mappings.js';
import type { Database } from './db.js';
import { findColumn, requireColumn, textOf, type LoadedTable } from './load.js';

/** A normalized view over a loaded table: `rec`, key fields, `qty`, `reason` (NULL when accepted). */
export interface NormalizedLines {
  loaded: LoadedTable;
  view: string;
  /** A view of lines rejected because their key repeats an earlier line: `rec`, `first_rec`. */
  repeats: string | undefined;
}

export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Quantity text (an SQL expression) → number, with the reason when it is not one. */
function quantitySql(text: string): { value: string; reason: string } {
  const number = `TRY_CAST(${text} AS DOUBLE)`;
  return {
    value: number,
    reason: `CASE WHEN ${text} = '' THEN 'quantity is empty'
      WHEN ${number} IS NULL OR NOT isfinite(${number}) THEN 'quantity ''' || ${text} || ''' is not a number' END`,
  };
}

/** All reasons of a line joined, NULL when there is none. */
const reasons = (...parts: string[]): string => `nullif(concat_ws('; ', ${parts.join(', ')}), '')`;

/** The D365 on-hand columns as canonical field → entity field, from the preset or the config. */
export function d365ColumnMap(onHand: ReconcileConfig['d365']['onHand']): Record<string, string | undefined> {
  return onHand.format ? { ...D365_FORMATS[onHand.format] } : { ...onHand.columns };
}

/**
 * D365 on-hand lines. Fields of the level must be in the file (the site may come from the facility mapping).
 * Also builds `d365_keys`: one row per key of the file, keeping the first line of a repeated key.
 */
export async function normalizeD365(db: Database, loaded: LoadedTable, config: ReconcileConfig, level: readonly LevelField[],
  siteByWarehouse: ReadonlyMap<string, string>): Promise<NormalizedLines> {
  const mapped = d365ColumnMap(config.d365.onHand);
  const onHand = config.d365.onHand;
  const keyOf = (field: string) => (onHand.format ? `d365.onHand.format ${onHand.format}, field ${field}` : `d365.onHand.columns.${field}`);
  const column = (field: string, required: boolean): string | undefined => {
    const name = mapped[field];
    if (name === undefined) return undefined;
    return required ? requireColumn(loaded, keyOf(field), name) : findColumn(loaded, name);
  };

  const fields: Record<string, string> = {
    company: column('company', false) !== undefined ? textOf(column('company', false)) : sqlString(config.company),
    item: textOf(column('item', true)),
  };
  for (const dim of PRODUCT_DIMENSIONS) fields[dim] = textOf(column(dim, false));
  const siteFromMapping = column('site', false) === undefined;
  for (const field of LEVEL_FIELDS) {
    if (field === 'site' && siteFromMapping) continue;
    fields[field] = textOf(column(field, level.includes(field)));
  }
  const joins: string[] = [];
  if (siteFromMapping) {
    await db.run('CREATE TABLE site_of_warehouse (warehouse VARCHAR, site VARCHAR)');
    await db.append('site_of_warehouse', [...siteByWarehouse].map(([warehouse, site]) => [warehouse, site]));
    joins.push('LEFT JOIN site_of_warehouse s ON s.warehouse = l.warehouse');
  }
  const quantity = quantitySql('l.qty_text');
  const companyReason = `CASE WHEN lower(l.company) <> lower(${sqlString(config.company)})
    THEN 'company ''' || l.company || ''' is not the configured company ' || ${sqlString(config.company)} END`;
  const view = 'd365_lines';
  await db.run(`CREATE VIEW ${view} AS
    WITH l AS (SELECT rowid AS rec, ${Object.entries(fields).map(([f, sql]) => `${sql} AS ${f}`).join(', ')},
      ${textOf(column('quantity', true))} AS qty_text FROM ${loaded.table})
    SELECT l.rec, l.company, l.item, ${PRODUCT_DIMENSIONS.map((d) => `l.${d}`).join(', ')},
      ${siteFromMapping ? `coalesce(s.site, '')` : 'l.site'} AS site,
      ${LEVEL_FIELDS.filter((f) => f !== 'site').map((f) => `l.${f}`).join(', ')},
      ${quantity.value} AS qty,
      ${reasons(quantity.reason, `CASE WHEN l.item = '' THEN 'item is empty' END`, companyReason)} AS reason
    FROM l ${joins.join(' ')}`);

  // The file's own key is every key field it has, so finer lines are summed, not mistaken for repeats.
  // A key that repeats keeps its first line; later ones are rejected (a duplicated export doubles variances).
  const fileKey = ['company', 'item', ...PRODUCT_DIMENSIONS,
    ...LEVEL_FIELDS.filter((f) => (f === 'site' ? true : fields[f] !== `''`))].join(', ');
  await db.run(`CREATE TABLE d365_keys AS SELECT ${fileKey}, arg_min(qty, rec) AS qty, min(rec) AS first_rec,
    count(*) AS lines FROM ${view} WHERE reason IS NULL GROUP BY ${fileKey}`);
  await db.run(`CREATE VIEW d365_repeats AS SELECT l.rec, k.first_rec FROM ${view} l
    JOIN (SELECT * FROM d365_keys WHERE lines > 1) k USING (${fileKey})
    WHERE l.reason IS NULL AND l.rec <> k.first_rec`);
  return { loaded, view, repeats: 'd365_repeats' };
}

/** Valuation lines: item, site, warehouse, quantity and amount, for the unit cost of a key. */
export async function normalizeValuation(db: Database, loaded: LoadedTable,
  columns: NonNullable<ReconcileConfig['d365']['valuation']>['columns']): Promise<NormalizedLines> {
  const key = 'd365.valuation.columns';
  const optional = (field: 'site' | 'warehouse') =>
    (columns[field] ? textOf(requireColumn(loaded, `${key}.${field}`, columns[field])) : `''`);
  const quantity = quantitySql('l.qty_text');
  const amount = 'TRY_CAST(l.amount_text AS DOUBLE)';
  const view = 'valuation_lines';
  await db.run(`CREATE VIEW ${view} AS
    WITH l AS (SELECT rowid AS rec, ${textOf(requireColumn(loaded, `${key}.item`, columns.item))} AS item,
      ${optional('site')} AS site, ${optional('warehouse')} AS warehouse,
      ${textOf(requireColumn(loaded, `${key}.quantity`, columns.quantity))} AS qty_text,
      ${textOf(requireColumn(loaded, `${key}.amount`, columns.amount))} AS amount_text FROM ${loaded.table})
    SELECT l.rec, l.item, l.site, l.warehouse, ${quantity.value} AS qty, ${amount} AS amount,
      ${reasons(quantity.reason, `CASE WHEN l.item = '' THEN 'item is empty' END`,
    `CASE WHEN ${amount} IS NULL OR NOT isfinite(${amount}) THEN 'amount ''' || l.amount_text || ''' is not a number' END`)} AS reason
    FROM l`);
  return { loaded, view, repeats: undefined };
}

/** The SKU cross-reference file, as a map. An empty SKU or item is rejected, and a repeated SKU after its first line. */
export async function normalizeItemXref(db: Database, loaded: LoadedTable,
  columns: { sku: string; item: string } & Partial<Record<(typeof PRODUCT_DIMENSIONS)[number], string>>):
  Promise<NormalizedLines & { items: Map<string, ItemMappingTarget> }> {
  const key = 'mappings.items.columns';
  const dims = PRODUCT_DIMENSIONS.map((d) => {
    const name = columns[d];
    return `${name ? textOf(requireColumn(loaded, `${key}.${d}`, name)) : `''`} AS ${d}`;
  });
  const view = 'item_xref_lines';
  await db.run(`CREATE VIEW ${view} AS
    WITH l AS (SELECT rowid AS rec, ${textOf(requireColumn(loaded, `${key}.sku`, columns.sku))} AS sku,
      ${textOf(requireColumn(loaded, `${key}.item`, columns.item))} AS item, ${dims.join(', ')} FROM ${loaded.table})
    SELECT *, ${reasons(`CASE WHEN sku = '' THEN 'sku is empty' END`, `CASE WHEN item = '' THEN 'item is empty' END`)} AS reason,
      min(rec) FILTER (WHERE sku <> '' AND item <> '') OVER (PARTITION BY sku) AS first_rec
    FROM l`);
  const items = new Map<string, ItemMappingTarget>();
  for (const row of await db.all<Record<string, string>>(`SELECT * FROM ${view} WHERE reason IS NULL AND rec = first_rec`)) {
    items.set(row.sku!, { item: row.item!, ...Object.fromEntries(PRODUCT_DIMENSIONS.map((d) => [d, row[d] ?? ''])) });
  }
  await db.run(`CREATE VIEW item_xref_repeats AS SELECT rec, first_rec FROM ${view} WHERE reason IS NULL AND rec <> first_rec`);
  return { loaded, view, repeats: 'item_xref_repeats', items };
}

export interface WmsMappings {
  config: ReconcileConfig;
  items: ReadonlyMap<string, ItemMappingTarget>;
  level: readonly LevelField[];
}

type WmsColumns = ReconcileConfig['wms']['onHand']['columns'];

/**
 * WMS on-hand or in-flight lines: facility → site and warehouse, SKU → item and dimensions, status words,
 * units converted into the D365 inventory unit.
 */
export async function normalizeWms(db: Database, loaded: LoadedTable, configKey: 'wms.onHand' | 'wms.inFlight',
  columns: WmsColumns, mappings: WmsMappings): Promise<NormalizedLines> {
  const prefix = configKey === 'wms.onHand' ? 'wms' : 'inflight';
  const column = (field: keyof WmsColumns, required: boolean) => {
    const name = columns[field];
    if (name === undefined) return undefined;
    return required ? requireColumn(loaded, `${configKey}.columns.${field}`, name) : findColumn(loaded, name);
  };
  const sku = textOf(column('item', true));
  const facility = textOf(column('facility', true));
  const quantityText = textOf(column('quantity', true));
  const unit = columns.unit ? textOf(column('unit', true)) : undefined;
  const compareStatus = mappings.level.includes('status');
  const status = compareStatus ? textOf(column('status', true)) : `''`;
  const { units, facilities, statuses } = mappings.config.mappings;

  // One decision per distinct value, made by the rules in core/.
  await db.run(`CREATE TABLE ${prefix}_item_map (sku VARCHAR, item VARCHAR,
    ${PRODUCT_DIMENSIONS.map((d) => `${d} VARCHAR`).join(', ')}, reason VARCHAR)`);
  const skus = await db.all<{ sku: string }>(`SELECT DISTINCT ${sku} AS sku FROM ${loaded.table}`);
  await db.append(`${prefix}_item_map`, skus.map(({ sku: code }) => {
    const mapped = mapItem(mappings.items, code);
    if (!mapped.ok) return [code, null, ...PRODUCT_DIMENSIONS.map(() => null), mapped.reason];
    // Dimensions from the cross-reference win; an SKU it does not list keeps the WMS's own dimension columns.
    const listed = mappings.items.has(code);
    return [code, mapped.value.item, ...PRODUCT_DIMENSIONS.map((d) => (listed ? mapped.value[d] ?? '' : null)), null];
  }));

  await db.run(`CREATE TABLE ${prefix}_facility_map (facility VARCHAR, site VARCHAR, warehouse VARCHAR, reason VARCHAR)`);
  const codes = await db.all<{ facility: string }>(`SELECT DISTINCT ${facility} AS facility FROM ${loaded.table}`);
  await db.append(`${prefix}_facility_map`, codes.map(({ facility: code }) => {
    const mapped = mapFacility(facilities, code);
    return mapped.ok ? [code, mapped.value.site, mapped.value.warehouse, null] : [code, null, null, mapped.reason];
  }));

  const quantity = quantitySql('l.qty_text');
  const joins = [`LEFT JOIN ${prefix}_item_map im ON im.sku = l.sku`, `LEFT JOIN ${prefix}_facility_map fm ON fm.facility = l.facility`];
  const why = [quantity.reason, 'im.reason', 'fm.reason'];
  let statusValue = `''`;
  if (compareStatus) {
    await db.run(`CREATE TABLE ${prefix}_status_map (word VARCHAR, status VARCHAR, reason VARCHAR)`);
    const words = await db.all<{ word: string }>(`SELECT DISTINCT ${status} AS word FROM ${loaded.table}`);
    await db.append(`${prefix}_status_map`, words.map(({ word }) => {
      const mapped = mapStatus(statuses, word);
      return mapped.ok ? [word, mapped.value, null] : [word, null, mapped.reason];
    }));
    joins.push(`LEFT JOIN ${prefix}_status_map sm ON sm.word = l.status_word`);
    why.push('sm.reason');
    statusValue = 'sm.status';
  }
  let factor = '1';
  if (unit !== undefined) {
    await db.run(`CREATE TABLE ${prefix}_unit_map (sku VARCHAR, unit VARCHAR, factor DOUBLE, reason VARCHAR)`);
    const pairs = await db.all<{ sku: string; unit: string }>(`SELECT DISTINCT ${sku} AS sku, ${unit} AS unit FROM ${loaded.table}`);
    await db.append(`${prefix}_unit_map`, pairs.map((pair) => {
      const item = mapItem(mappings.items, pair.sku);
      if (!item.ok) return [pair.sku, pair.unit, null, null]; // the item's own reason is reported
      const mapped = unitFactor(units, item.value.item, pair.unit);
      return mapped.ok ? [pair.sku, pair.unit, mapped.value, null] : [pair.sku, pair.unit, null, mapped.reason];
    }));
    joins.push(`LEFT JOIN ${prefix}_unit_map um ON um.sku = l.sku AND um.unit = l.unit`);
    why.push('um.reason');
    factor = 'um.factor';
  }

  const levelText = (field: 'location' | 'batch' | 'serial' | 'owner') =>
    (mappings.level.includes(field) ? textOf(column(field, true)) : `''`);
  const view = `${prefix}_lines`;
  await db.run(`CREATE VIEW ${view} AS
    WITH l AS (
      SELECT rowid AS rec, ${sku} AS sku, ${facility} AS facility, ${status} AS status_word,
        ${unit ?? `''`} AS unit, ${quantityText} AS qty_text,
        ${PRODUCT_DIMENSIONS.map((d) => `${textOf(column(d, false))} AS ${d}`).join(', ')},
        ${levelText('location')} AS location, ${levelText('batch')} AS batch,
        ${levelText('serial')} AS serial, ${levelText('owner')} AS owner
      FROM ${loaded.table})
    SELECT l.rec, ${sqlString(mappings.config.company)} AS company, coalesce(im.item, l.sku) AS item,
      ${PRODUCT_DIMENSIONS.map((d) => `coalesce(im.${d}, l.${d}) AS ${d}`).join(', ')},
      coalesce(fm.site, '') AS site, coalesce(fm.warehouse, '') AS warehouse, l.location, l.batch, l.serial,
      coalesce(${statusValue}, '') AS status, l.owner,
      ${quantity.value} * ${factor} AS qty,
      ${reasons(...why)} AS reason
    FROM l ${joins.join('\n    ')}`);
  return { loaded, view, repeats: undefined };
}
