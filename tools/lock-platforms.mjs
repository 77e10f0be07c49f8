#!/usr/bin/env node
/**
 * The registry this project is built against serves only the linux-x64 builds of packages that ship one binary
 * package per platform (DuckDB, jest's resolver), so `npm install` leaves the other platforms out of
 * package-lock.json and `npm ci` then refuses the lock as out of sync. This adds the entries npm writes on a machine
 * that sees every platform: optional, with os, cpu and libc, which npm ci skips on any other platform.
 * Run it after `npm install` changes the lock: `npm run lock:platforms`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony', 'sunos', 'win32'];
const CPU = ['arm64', 'arm', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'x64', 'wasm32'];

/** os, cpu and libc from a platform package's name, e.g. @duckdb/node-bindings-linux-arm64-musl. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os || !cpu) return undefined;
  const libc = os !== 'linux' ? undefined : parts.some((p) => p.startsWith('musl')) ? 'musl' : 'glibc';
  return { cpu: [cpu], ...(libc ? { libc: [libc] } : {}), os: [os] };
}

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const where = `node_modules/${name}`;
    const platform = platformOf(name);
    if (lock.packages[where] || !platform) continue;
    lock.packages[where] = { version, ...platform, optional: true };
    added += 1;
    console.log(`added ${name}@${version} (${platform.os[0]}-${platform.cpu[0]}, optional dependency of ${path || 'the project'})`);
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added === 0 ? 'package-lock.json already lists every platform package' : `${added} entries added`);
