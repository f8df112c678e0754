import { SUPPORTED_SCOPES } from './scopes.ts';

export interface DiscoverySettings {
  readonly issuer: string;
  /** Whether `grant_type=password` is on (`LATCHKEY_PASSWORD_GRANT`). */
  readonly passwordGrant: boolean;
  /** The algorithms of the keys that sign (id_tokens and access tokens). */
  readonly signingAlgs: readonly string[];
}

/** The OAuth 2.0 parts both metadata documents share (RFC 8414, OpenID Connect Discovery 1.0). */
export function oauthEndpoints(settings: Omit<DiscoverySettings, 'signingAlgs'>) {
  const base = settings.issuer.replace(/\/+$/, '');
  return {
    issuer: settings.issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    revocation_endpoint: `${base}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...(settings.passwordGrant ? ['password'] : []), 'authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: [...SUPPORTED_SCOPES],
    authorization_response_iss_parameter_supported: true,
  };
}

/**
 * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3): every URL absolute under
 * the issuer; only what latchkey really does (code flow, S256, query response mode, public subjects).
 */
export function openIdConfiguration(settings: DiscoverySettings) {
  const base = settings.issuer.replace(/\/+$/, '');
  return {
    ...oauthEndpoints(settings),
    userinfo_endpoint: `${base}/oauth/userinfo`,
    end_session_endpoint: `${base}/oauth/logout`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...settings.signingAlgs],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'email', 'email_verified', 'name'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };
}
