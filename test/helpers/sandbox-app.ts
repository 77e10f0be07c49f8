/**
 * `npm start`'s sandbox as the end-to-end tests run it: the built start script in a child process on a free port, its
 * data in a fresh folder, resolved with its origin once it prints it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SandboxApp { process: ChildProcess; origin: string; data: string }

export async function startSandboxApp(root: string, env: Record<string, string>): Promise<SandboxApp> {
  const data = mkdtempSync(join(tmpdir(), 'ibal-e2e-'));
  const child = spawn(process.execPath, [join(root, 'dist', 'sandbox', 'start.js')], { cwd: root,
    env: { ...process.env, PORT: '0', IBAL_SANDBOX_DATA: data, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Inventory Balance sandbox: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('exit', (code) => reject(new Error(`the sandbox exited ${code}: ${output}`)));
  });
  return { process: child, origin, data };
}
