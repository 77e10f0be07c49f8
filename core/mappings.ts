/**
 * Mapping WMS codes to D365 ones (DOMAIN.md §3). Each function answers for one distinct value: a mapped value,
 * or the reason a line carrying it is rejected. A line is never compared as if an unmapped value were right.
 */
import type { ItemMappingTarget, ReconcileConfig, UnitConversion } from './config.js';

export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Mapped<T> => ({ ok: true, value });
const rejected = <T>(reason: string): Mapped<T> => ({ ok: false, reason });

export interface SiteAndWarehouse { site: string; warehouse: string }

export function mapFacility(facilities: ReconcileConfig['mappings']['facilities'], facility: string): Mapped<SiteAndWarehouse> {
  if (facility === '') return rejected('facility is empty');
  const target = Object.hasOwn(facilities, facility) ? facilities[facility] : undefined;
  return target ? ok(target) : rejected(`facility '${facility}' has no mapping (add it under mappings.facilities)`);
}

/** An SKU not in the cross-reference is the D365 item number unchanged, with no product dimensions. */
export function mapItem(items: ReadonlyMap<string, ItemMappingTarget>, sku: string): Mapped<ItemMappingTarget> {
  if (sku === '') return rejected('item is empty');
  return ok(items.get(sku) ?? { item: sku });
}

/** Without a status mapping the WMS words are taken as D365 statuses. An empty status is unmapped like any other. */
export function mapStatus(statuses: Record<string, string> | undefined, status: string): Mapped<string> {
  if (statuses === undefined) return ok(status);
  const target = Object.hasOwn(statuses, status) ? statuses[status] : undefined;
  if (target !== undefined) return ok(target);
  return rejected(status === ''
    ? 'status is empty and mappings.statuses has no entry for an empty status'
    : `status '${status}' has no mapping (add it under mappings.statuses)`);
}

/**
 * Factor that turns one WMS unit into D365 inventory units for an item. Units match case-insensitively;
 * the item's own conversion wins over a `*` one.
 */
export function unitFactor(units: { default: string; conversions: readonly UnitConversion[] }, item: string, unit: string): Mapped<number> {
  const wanted = unit.trim().toLowerCase();
  if (wanted === '') return rejected(`unit is empty for item ${item} (the WMS must say which unit a quantity is in)`);
  if (wanted === units.default.toLowerCase()) return ok(1);
  const matches = (c: UnitConversion) => c.from.toLowerCase() === wanted;
  const own = units.conversions.find((c) => c.item === item && matches(c));
  const any = units.conversions.find((c) => c.item === '*' && matches(c));
  const conversion = own ?? any;
  return conversion
    ? ok(conversion.factor)
    : rejected(`unit '${unit}' has no conversion for item ${item} (add it under mappings.units.conversions)`);
}

/** Reverse of the facility mapping, for D365 exports that name the warehouse but not the site. */
export function siteOfWarehouse(facilities: ReconcileConfig['mappings']['facilities']): Map<string, string> {
  const sites = new Map<string, string>();
  for (const { site, warehouse } of Object.values(facilities)) sites.set(warehouse, site);
  return sites;
}
