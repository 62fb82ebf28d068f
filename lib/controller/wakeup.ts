import { EventEmitter } from "node:events";

/**
 * A nudge from a service to an in-process controller that new work exists, so a promotion starts
 * at once instead of at the next poll. Only an optimisation: the controller polls anyway, and a
 * controller in another process relies on polling alone. Kept on globalThis so Next's bundled
 * route code and the server's own modules share it.
 */
const holder = globalThis as unknown as { __slipwayWakeup?: EventEmitter };
const emitter = (holder.__slipwayWakeup ??= new EventEmitter());

export function wakeController(): void {
  emitter.emit("work");
}

export function onControllerWakeup(listener: () => void): () => void {
  emitter.on("work", listener);
  return () => emitter.off("work", listener);
}
