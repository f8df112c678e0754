/**
 * Role names: a lower-case letter, then up to 63 of `a-z 0-9 : _ -` (e.g. `admin`, `billing:read`).
 * Shared by the operator commands that grant roles and by `latchkey/verify`'s `requireRole`.
 *
 * @example
 * ROLE_NAME.test('billing:admin') // true
 * ROLE_NAME.test('Admin') // false
 */
export const ROLE_NAME = /^[a-z][a-z0-9:_-]{0,63}$/;
