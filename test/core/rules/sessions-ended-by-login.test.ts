import { describe, expect, it } from 'vitest';
import { loginEndsSessions, sessionsEndedByLogin } from '../../../src/core/rules/sessions-ended-by-login.ts';

const PHONE = '3f2b8c1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c';
const TABLET = 'b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e';

/** A live session named `id`, last used `lastActiveAt` (bigger = more recent), on `deviceId`. */
const s = (id: string, lastActiveAt: number, deviceId: string | null = null) => ({ id, lastActiveAt, deviceId });

const ids = (list: readonly { id: string }[]) => list.map((x) => x.id);

describe('which sessions a login ends', () => {
  it.each([
    { rule: 'a login on the same X-Device-Id replaces that device\'s session', live: [s('a', 1, PHONE), s('b', 2)], deviceId: PHONE, max: 0, replaced: ['a'], evicted: [] },
    { rule: 'a login without a device id replaces nothing', live: [s('a', 1), s('b', 2)], deviceId: null, max: 0, replaced: [], evicted: [] },
    { rule: 'another device id is left alone', live: [s('a', 1, TABLET)], deviceId: PHONE, max: 0, replaced: [], evicted: [] },
    { rule: 'max sessions 0 means no limit', live: [s('a', 1), s('b', 2), s('c', 3)], deviceId: null, max: 0, replaced: [], evicted: [] },
    { rule: 'below the limit nothing is evicted', live: [s('a', 1), s('b', 2)], deviceId: null, max: 3, replaced: [], evicted: [] },
    { rule: 'at the limit the least recently used session is evicted', live: [s('a', 3), s('b', 1), s('c', 2)], deviceId: null, max: 3, replaced: [], evicted: ['b'] },
    { rule: 'far beyond the limit every session but the most recently used max - 1 goes', live: [s('a', 1), s('b', 5), s('c', 3), s('d', 4), s('e', 2)], deviceId: null, max: 3, replaced: [], evicted: ['c', 'e', 'a'] },
    { rule: 'the order the sessions arrive in does not matter: lastActiveAt decides', live: [s('old', 1), s('new', 9)], deviceId: null, max: 2, replaced: [], evicted: ['old'] },
    { rule: 'max sessions 1 keeps only the new login', live: [s('a', 2), s('b', 1)], deviceId: null, max: 1, replaced: [], evicted: ['a', 'b'] },
    { rule: 'a replaced session does not count against the limit', live: [s('a', 1, PHONE), s('b', 2)], deviceId: PHONE, max: 2, replaced: ['a'], evicted: [] },
    { rule: 'sessions last used at the same instant go by id', live: [s('y', 5), s('x', 5), s('z', 5)], deviceId: null, max: 2, replaced: [], evicted: ['y', 'z'] },
  ])('$rule', ({ live, deviceId, max, replaced, evicted }) => {
    const ended = sessionsEndedByLogin(live, deviceId, max);
    expect(ids(ended.replaced)).toEqual(replaced);
    expect(ids(ended.evicted)).toEqual(evicted);
  });

  it.each([
    { rule: 'a device id needs the other sessions', deviceId: PHONE, max: 0, reads: true },
    { rule: 'a limit needs them', deviceId: null, max: 5, reads: true },
    { rule: 'neither: the login does not read them at all', deviceId: null, max: 0, reads: false },
  ])('$rule', ({ deviceId, max, reads }) => {
    expect(loginEndsSessions(deviceId, max)).toBe(reads);
  });
});
