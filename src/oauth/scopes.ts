/** The scopes latchkey grants (OpenID Connect Core §5.4 and §11). */
export const SUPPORTED_SCOPES = ['openid', 'email', 'profile', 'offline_access'] as const;

/**
 * The granted scope of a request: the supported scopes it asks for, in a fixed order. Unknown
 * scopes are ignored, as OpenID Connect Core §3.1.2.1 allows.
 *
 * @example
 * grantedScope('openid email photos') // 'openid email'
 */
export function grantedScope(requested: string): string {
  const asked = new Set(requested.split(' ').filter(Boolean));
  return SUPPORTED_SCOPES.filter((s) => asked.has(s)).join(' ');
}

/** True when the space-separated `scope` holds `name`. */
export function hasScope(scope: string | null | undefined, name: string): boolean {
  return (scope ?? '').split(' ').includes(name);
}
