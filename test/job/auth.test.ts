import { SANDBOX_JOB_APP, tokenProviderFor } from '../../job/dataverse/auth';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';

describe('how the job signs in to Dataverse', () => {
  it('signs in to the sandbox on this machine as its job application user, and names the refusal of a wrong secret', async () => {
    const emulator = await DataverseEmulator.open({ database: ':memory:' });
    const api = await emulator.listen();
    try {
      const token = await tokenProviderFor(api)();
      const me = await fetch(`${api}WhoAmI`, { headers: { Authorization: `Bearer ${token!}` } });
      expect(((await me.json()) as { UserId: string }).UserId).toBe(emulator.users.find((u) => u.application?.clientId === SANDBOX_JOB_APP.clientId)!.id);
      await expect(tokenProviderFor(api, { IBAL_CLIENT_SECRET: 'guess' })()).rejects.toThrow(/refused the client credentials .*401/);
    } finally {
      await emulator.close();
    }
  });

  it('refuses any other plain-http or non-Dynamics address rather than send it a token', () => {
    expect(() => tokenProviderFor('http://10.0.0.5/api/data/v9.2/')).toThrow(/expected https:\/\/<org>\.crm\*\.dynamics\.com/);
    expect(() => tokenProviderFor('https://example.com/api/data/v9.2/')).toThrow(/expected https/);
  });

  it('needs the app registration in the environment for Dynamics 365, naming what is missing', () => {
    expect(() => tokenProviderFor('https://contoso.crm4.dynamics.com/api/data/v9.2/', { IBAL_TENANT_ID: 't' }))
      .toThrow('needs the app registration in IBAL_CLIENT_ID, IBAL_CLIENT_SECRET (client credentials)');
    expect(typeof tokenProviderFor('https://contoso.crm4.dynamics.com/api/data/v9.2/',
      { IBAL_TENANT_ID: 't', IBAL_CLIENT_ID: 'c', IBAL_CLIENT_SECRET: 's' })).toBe('function');
  });
});
