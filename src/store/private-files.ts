import fs from 'node:fs';

/**
 * Creates `dir` (and any missing parent) readable by this user only (0700), whatever the umask. A
 * directory that exists already keeps its mode: the operator chose it.
 */
export function createPrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `file` empty with mode 0600 when it does not exist yet, so that SQLite, which gives its
 * WAL and shared-memory files the database file's mode, never makes any of them readable by others.
 */
export function createPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}
