/**
 * A fingerprint of the snapshot files a run reads: SHA-256 over each file's SHA-256, in a fixed order. A run id
 * stays bound to the files its discrepancies came from, so re-running it from other files cannot quietly move
 * reviewed rows onto another snapshot (the target refuses unless --replace is given).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { isUri } from './sources.js';

export interface SnapshotFile { source: string; path: string }

export async function snapshotHash(files: readonly SnapshotFile[]): Promise<string> {
  const all = createHash('sha256');
  for (const { source, path } of files) {
    // A file Spark reads from storage (abfss://…) is named by its address: the job cannot read it to hash it.
    let digest = isUri(path) ? `address ${path}` : 'missing';
    if (existsSync(path) && statSync(path).isFile()) {
      const one = createHash('sha256');
      for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) one.update(chunk as Buffer);
      digest = one.digest('hex');
    }
    all.update(`${source}\u0000${digest}\n`);
  }
  return all.digest('hex');
}

