/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. For state
 * that follows an observed event by moments: an attempt is recorded just after its receiver has
 * answered, committed together with other attempts' records within a few milliseconds. `intervalMs`
 * spaces checks that cost the server something (an HTTP call), so polling does not slow what it waits for.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
