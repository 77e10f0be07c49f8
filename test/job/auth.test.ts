import { tokenProviderFor } from '../../job/dataverse/auth';

describe('how the job signs in to Dataverse', () => {
  it('sends no token to the sandbox on this machine', async () => {
    expect(await tokenProviderFor('http://127.0.0.1:8484/api/data/v9.2/')()).toBeUndefined();
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
