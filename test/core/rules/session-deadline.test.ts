import { describe, expect, it } from 'vitest';
import { sessionDeadline } from '../../../src/core/rules/session-deadline.ts';

const T = Date.parse('2026-03-01T12:00:00Z');
const S = 1000;

describe('a session ends at the earlier of its idle deadline and its absolute deadline', () => {
  it.each([
    { when: 'at login, idle shorter than max age: idle TTL after login', createdAt: T, now: T, idleTtl: 100, maxAge: 250, ends: T + 100 * S },
    { when: 'at login, max age shorter than idle: max age after login', createdAt: T, now: T, idleTtl: 100, maxAge: 60, ends: T + 60 * S },
    { when: 'a refresh moves the idle deadline to idle TTL after the refresh', createdAt: T, now: T + 90 * S, idleTtl: 100, maxAge: 250, ends: T + 190 * S },
    { when: 'a refresh never moves it past max age after login', createdAt: T, now: T + 200 * S, idleTtl: 100, maxAge: 250, ends: T + 250 * S },
    { when: 'exactly where both deadlines meet', createdAt: T, now: T + 150 * S, idleTtl: 100, maxAge: 250, ends: T + 250 * S },
  ])('$when', ({ createdAt, now, idleTtl, maxAge, ends }) => {
    expect(sessionDeadline(createdAt, now, { idleTtl, maxAge })).toBe(ends);
  });
});
