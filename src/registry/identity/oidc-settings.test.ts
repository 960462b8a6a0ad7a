// The OIDC settings (src/config.ts): env and flags, defaults, and a clear error for what cannot work.
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../config.js';

describe('OIDC settings', () => {
  it('are off without an issuer, and default the audience to the client id and the groups claim to groups', () => {
    expect(configFromEnv({}).oidc).toBeNull();
    expect(configFromEnv({ STAGECRAFT_OIDC_ISSUER: 'https://id.example.com', STAGECRAFT_OIDC_CLIENT_ID: 'sc', STAGECRAFT_PUBLIC_URL: 'https://sc.example.com/' }).oidc).toEqual({
      issuer: 'https://id.example.com',
      clientId: 'sc',
      clientSecret: null,
      audience: 'sc',
      groupsClaim: 'groups',
      publicUrl: 'https://sc.example.com',
      sessionMaxSeconds: 43200,
      sessionIdleSeconds: 3600,
    });
  });

  it('refuse an issuer without a client id, a non-URL issuer and a bad session time', () => {
    expect(() => configFromEnv({ STAGECRAFT_OIDC_ISSUER: 'https://id.example.com' })).toThrow(/STAGECRAFT_OIDC_CLIENT_ID/);
    expect(() => configFromEnv({ STAGECRAFT_OIDC_ISSUER: 'id.example.com', STAGECRAFT_OIDC_CLIENT_ID: 'x' })).toThrow(ConfigError);
    expect(() => configFromEnv({ STAGECRAFT_OIDC_ISSUER: 'https://i', STAGECRAFT_OIDC_CLIENT_ID: 'x', STAGECRAFT_OIDC_SESSION_IDLE_SECONDS: '0' })).toThrow(/STAGECRAFT_OIDC_SESSION_IDLE_SECONDS/);
  });
});
