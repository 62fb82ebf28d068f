/** Thrown inside a rollout that was aborted: it stops the remaining steps, and drive() restores. */
export class RolloutAborted extends Error {
  constructor() {
    super("The rollout was aborted.");
  }
}

/** `sleep(ms)` that ends early, rejecting with RolloutAborted, when `signal` aborts. */
export function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new RolloutAborted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new RolloutAborted());
    signal.addEventListener("abort", onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
