/**
 * `latchkey/client`: the zero-dependency browser SDK of latchkey. It never imports server code.
 *
 * @example
 * import { createAuthClient, AuthError } from 'latchkey/client'
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' })
 * auth.on('session-ended', () => showSignIn())
 * if (!(await auth.restore())) await auth.login(email, password)
 * const res = await auth.fetch('/api/orders')
 */
export { AuthClient, createAuthClient, type AuthClientOptions } from './auth-client.ts';
export { AuthError, type AuthErrorCode } from './auth-error.ts';
export type { AuthClientEvents } from './token-keeper.ts';
export { createAccountMail, type AccountMail, type AccountMailOptions, type LinkOutcome } from './account-mail.ts';
export type { TabChannel, TabLocks } from './tab-sync.ts';
export type { Device, SecurityEvent, SecurityEventType, SessionInfo, SignIn, User } from './types.ts';
