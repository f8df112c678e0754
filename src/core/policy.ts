/**
 * The session settings (docs/api.md, "Sessions"), as one frozen object that the rules in core/rules/ read.
 * Defaults live in src/config.ts; every duration is in whole seconds.
 */
export interface SessionPolicy {
  /** Access token life (`LATCHKEY_ACCESS_TTL`, default 900). */
  readonly accessTtl: number;
  /** A session ends when unused this long (`LATCHKEY_REFRESH_IDLE_TTL`, default 14 days). */
  readonly idleTtl: number;
  /** A session ends this long after login, however used (`LATCHKEY_SESSION_MAX_AGE`, default 90 days). */
  readonly maxAge: number;
  /** A retired refresh token may be replayed harmlessly by its own device this long (`LATCHKEY_REFRESH_GRACE`). */
  readonly grace: number;
  /** What a refresh from another IP does (`LATCHKEY_IP_CHANGE`, default `log`). */
  readonly ipChange: 'allow' | 'log' | 'revoke';
  /** What a refresh from another browser or OS family does (`LATCHKEY_UA_CHANGE`, default `revoke`). */
  readonly uaChange: 'revoke' | 'log';
  /** Live sessions per user, `0` for no limit (`LATCHKEY_MAX_SESSIONS`). */
  readonly maxSessions: number;
}
