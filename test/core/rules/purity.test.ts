import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const RULES = path.resolve('src/core/rules');

/** Every import of `file`, transitively through relative imports, as resolved paths or package names. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
    if (spec!.startsWith('.')) importsOf(path.resolve(path.dirname(file), spec!), seen);
    else seen.add(spec!);
  }
  return seen;
}

describe('the session rules are pure functions of values', () => {
  it.each(fs.readdirSync(RULES))('%s reaches nothing of store/, http/, a database or node:crypto', (name) => {
    const reached = [...importsOf(path.join(RULES, name))].map((p) => path.relative(path.resolve('src'), p));
    const forbidden = reached.filter((p) => /^(store|http|server|rate-limit)\//.test(p) || /^(node:)?crypto$|kysely|better-sqlite3|^pg$|fastify|argon2/.test(p));
    expect(forbidden).toEqual([]);
  });
});
