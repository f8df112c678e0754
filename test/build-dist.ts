import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: compiles src/ to dist/ once before the tests (incremental, ~1 s when little
 * changed), because the tests that run the `latchkey` command run what users run: the compiled
 * bin/latchkey.js -> dist/cli.js.
 */
export default function buildDist(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.js', import.meta.url))], { stdio: 'inherit' });
}
