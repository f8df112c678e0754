/**
 * When to try a failed delivery again: `schedule[attempts - 1]` seconds after the failed attempt
 * number `attempts`, jittered down by up to 20% (so retries of many deliveries that failed together
 * spread out, and the first retry of the default schedule comes within 5 s). `undefined` once the
 * schedule is used up: the delivery is dead.
 *
 * @example
 * retryDelayMs(1, [5, 300]) // between 4,000 and 5,000
 * retryDelayMs(3, [5, 300]) // undefined
 */
export function retryDelayMs(attempts: number, schedule: readonly number[], random: () => number = Math.random): number | undefined {
  const seconds = schedule[attempts - 1];
  if (seconds === undefined) return undefined;
  return Math.round(seconds * 1000 * (1 - 0.2 * random()));
}
