/**
 * The password for `users create`: `LATCHKEY_NEW_PASSWORD` when set, else standard input (a prompt
 * without echo on a terminal; the whole input, minus one trailing newline, from a pipe). Never
 * argv: command lines are visible to every user of the machine and land in shell history.
 */
export async function readNewPassword(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.LATCHKEY_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY) return promptHidden('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let typed = '';
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: string) => {
      const state = applyPromptInput(typed, data);
      typed = state.typed;
      if (state.done === 'submit') done();
      else if (state.done === 'cancel') done(new Error('cancelled'));
    };
    stdin.on('data', onData);
  });
}

/** The prompt after one chunk of raw keyboard input: what is typed so far, and whether it ended. */
export interface PromptState {
  readonly typed: string;
  readonly done: 'submit' | 'cancel' | null;
}

/** A terminal escape sequence: CSI (`ESC [` ... final byte, e.g. arrow keys, Delete) or SS3 (`ESC O x`), or a lone ESC. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const ESCAPE_SEQUENCE = /^\u001b(?:\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|O.|)/;

/**
 * Applies raw-mode input to a hidden prompt: Enter or Ctrl-D (end of input) submits, Ctrl-C cancels,
 * Backspace deletes one character; arrow keys and other escape sequences, and every other control
 * key, are ignored rather than stored as password characters.
 *
 * @example
 * applyPromptInput('', 'ab\u001b[Dc\r') // { typed: 'abc', done: 'submit' }
 */
export function applyPromptInput(typed: string, data: string): PromptState {
  let rest = data;
  let text = typed;
  while (rest.length > 0) {
    const sequence = ESCAPE_SEQUENCE.exec(rest);
    if (sequence) {
      rest = rest.slice(sequence[0].length);
      continue;
    }
    const ch = String.fromCodePoint(rest.codePointAt(0)!);
    rest = rest.slice(ch.length);
    if (ch === '\r' || ch === '\n' || ch === '\u0004') return { typed: text, done: 'submit' };
    if (ch === '\u0003') return { typed: text, done: 'cancel' };
    if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control keys are what this leaves out
    else if (!/[\u0000-\u001f\u007f-\u009f]/.test(ch)) text += ch;
  }
  return { typed: text, done: null };
}
