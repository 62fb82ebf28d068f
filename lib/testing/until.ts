/**
 * Waits for a condition instead of sleeping a fixed time: calls `probe` every `everyMs`
 * (default 25 ms) until it returns a truthy value, and returns that value. Throws
 * `Timed out after <timeoutMs> ms waiting for <what>` (default 10 000 ms) with the last value
 * seen, so a test fails saying what never happened rather than asserting on a state that was
 * not reached yet.
 */
export async function until<T>(what: string, probe: () => T | Promise<T>, options: { timeoutMs?: number; everyMs?: number } = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, everyMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
