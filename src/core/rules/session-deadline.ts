import type { SessionPolicy } from '../policy.ts';

/**
 * When a session ends if it is not used again (docs/api.md, "Sessions"): the earlier of its idle
 * deadline (`idleTtl` seconds after its last use, `now`) and its absolute deadline (`maxAge` seconds
 * after login, however often it is used). At login `createdAt` is `now`, so the first deadline is
 * `now + min(idleTtl, maxAge)`; every rotation moves the idle deadline, never the absolute one.
 *
 * @example
 * sessionDeadline(loginAt, now, { idleTtl: 14 * 86_400, maxAge: 90 * 86_400 }) // epoch ms
 */
export function sessionDeadline(createdAt: number, now: number, policy: Pick<SessionPolicy, 'idleTtl' | 'maxAge'>): number {
  return Math.min(now + policy.idleTtl * 1000, createdAt + policy.maxAge * 1000);
}
