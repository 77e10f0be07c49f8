import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSandboxSettings } from '../../sandbox/settings';

describe('sandbox settings', () => {
  const file = (content: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'ibal-settings-')), 'settings.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('reads the shipped settings', () => {
    expect(loadSandboxSettings(join(__dirname, '..', '..', 'sandbox', 'settings.json')).environmentVariables.ibal_IVMaxLinesPerCall).toBe('512');
  });

  it('names an environment variable the solution does not have, and an unknown key', () => {
    expect(() => loadSandboxSettings(file({ environmentVariables: { ibal_NoSuchThing: 'x' } }))).toThrow(/environmentVariables/);
    expect(() => loadSandboxSettings(file({ environmentVariabels: {} }))).toThrow(/environmentVariabels/);
  });
});
