import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Zip, ZipDeflate, strToU8, zipSync } from 'fflate';
import { Scenario, csv, d365Row, D365_V2_HEADER, wmsRow } from '../helpers/scenario';

/** Issue 12.7: a data package is read a stream at a time, only the entry needed, within limits; through the built CLI. */
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');
async function ibal(args: string[]): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)(bin, args).then(({ stderr }) => ({ code: 0, stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
}

const manifest = strToU8(`<?xml version="1.0" encoding="utf-8"?>
<DataManagementPackageManifest xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">
  <PackageEntityList>
    <DataManagementPackageEntityData><EntityName>Warehouses on-hand V2</EntityName><DataEntityName>InventWarehouseOnHandV2Entity</DataEntityName></DataManagementPackageEntityData>
    <DataManagementPackageEntityData><EntityName>Released products V2</EntityName><DataEntityName>EcoResReleasedProductV2Entity</DataEntityName></DataManagementPackageEntityData>
  </PackageEntityList>
</DataManagementPackageManifest>`);
const header = strToU8('<?xml version="1.0"?><DataManagementPackageHeader/>');
const onHand = strToU8(csv(D365_V2_HEADER, [d365Row('A', '11', 10)]));
/** 64 MB of one line repeated: a few tens of kilobytes once deflated. */
const bombText = (): Uint8Array => {
  const line = Buffer.from(`${d365Row('A', '11', 10).join(',')}\n`);
  return Buffer.concat([Buffer.from(`${D365_V2_HEADER.join(',')}\n`), Buffer.alloc(64 * 1024 * 1024 - (64 * 1024 * 1024) % line.length, line)]);
};

/** A zip written as a stream, like a service exporting on the fly: no sizes in the local headers. */
function streamedZip(entries: Record<string, Uint8Array>): Buffer {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => { if (error) throw error; parts.push(chunk); });
  for (const [name, data] of Object.entries(entries)) {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    for (let at = 0; at < data.length; at += 1024 * 1024) file.push(data.subarray(at, at + 1024 * 1024), at + 1024 * 1024 >= data.length);
  }
  zip.end();
  return Buffer.concat(parts);
}

function packageScenario(zip: Uint8Array, entity?: string, packages?: Record<string, number>): Scenario {
  const s = new Scenario().costs({ A: 1 }).wms([wmsRow('A', 'DAL1', 10)]);
  s.file('onhand.zip', Buffer.from(zip));
  s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'onhand.zip', format: 'WarehousesOnHandV2', ...(entity ? { entity } : {}) } };
  if (packages) s.config.packages = packages;
  return s;
}
const run = (s: Scenario) => ibal(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out'), '--quiet']);

describe('D365 data packages, streamed and limited (issue 12.7)', () => {
  it('refuses a zip bomb as the entity file with a clear error, from the sizes its headers declare', async () => {
    const s = packageScenario(zipSync({ 'Manifest.xml': manifest, 'PackageHeader.xml': header, 'Warehouses on-hand V2.csv': bombText() }), 'Warehouses on-hand V2');
    const { code, stderr } = await run(s);
    expect(code).toBe(2);
    expect(stderr).toMatch(/onhand\.zip: Warehouses on-hand V2\.csv inflates more than 200 times its compressed size \(at least \d+:1, packages\.maxCompressionRatio\): refused as a possible zip bomb \(d365\.onHand\)/);
  });

  it('stops inflating a bomb whose headers declare no sizes', async () => {
    const s = packageScenario(streamedZip({ 'Manifest.xml': manifest, 'Warehouses on-hand V2.csv': bombText() }), 'Warehouses on-hand V2');
    const { code, stderr } = await run(s);
    expect(code).toBe(2);
    expect(stderr).toContain('refused as a possible zip bomb');
  });

  it('does not inflate the entries it does not need, however large', async () => {
    const bomb = bombText();
    for (const zip of [zipSync({ 'Released products V2.csv': bomb, 'Manifest.xml': manifest, 'Warehouses on-hand V2.csv': onHand }),
      streamedZip({ 'Released products V2.csv': bomb, 'Manifest.xml': manifest, 'Warehouses on-hand V2.csv': onHand })]) {
      const s = packageScenario(zip, 'InventWarehouseOnHandV2Entity', { maxEntryMB: 1, maxCompressionRatio: 50 });
      const { code, stderr } = await run(s);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    }
  });

  it('refuses an entity file larger than packages.maxEntryMB', async () => {
    const rows = Array.from({ length: 30000 }, (_, i) => d365Row(`ITEM${i}`, '11', i));
    const s = packageScenario(zipSync({ 'Manifest.xml': manifest, 'Warehouses on-hand V2.csv': strToU8(csv(D365_V2_HEADER, rows)) }),
      'Warehouses on-hand V2', { maxEntryMB: 1, maxCompressionRatio: 200 });
    const { code, stderr } = await run(s);
    expect(code).toBe(2);
    expect(stderr).toContain('onhand.zip: Warehouses on-hand V2.csv inflates to more than 1 MB (packages.maxEntryMB)');
  });

  it('says so when the file is not a zip at all', async () => {
    const s = packageScenario(strToU8('ItemNumber,OnHandQuantity\nA,1\n'));
    const { code, stderr } = await run(s);
    expect(code).toBe(2);
    expect(stderr).toContain('onhand.zip: not a zip file, so not a D365 data package (d365.onHand)');
  });
});
