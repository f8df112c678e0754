import { describe, expect, it } from 'vitest';
import { isForeignOrigin } from '../../../src/core/rules/foreign-origin.ts';

const ALLOWED = ['https://auth.example.com', 'https://app.example.com'];

describe('a foreign Origin may not use the session cookie (403 invalid_origin)', () => {
  it.each([
    { origin: 'https://evil.example', foreign: true, why: 'an origin not in LATCHKEY_ALLOWED_ORIGINS' },
    { origin: 'null', foreign: true, why: 'the opaque origin of a sandboxed frame or a file' },
    { origin: 'https://app.example.com.evil.example', foreign: true, why: 'a look-alike that only starts with an allowed origin' },
    { origin: 'http://app.example.com', foreign: true, why: 'an allowed host on another scheme' },
    { origin: 'https://app.example.com', foreign: false, why: 'an allowed origin' },
    { origin: 'https://auth.example.com', foreign: false, why: 'latchkey\'s own origin' },
    { origin: undefined, foreign: false, why: 'no Origin header (same-origin GET, native app)' },
  ])('$why: foreign = $foreign', ({ origin, foreign }) => {
    expect(isForeignOrigin(origin, ALLOWED)).toBe(foreign);
  });
});
