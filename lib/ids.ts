import { v7 as uuidv7 } from "uuid";

/**
 * Prefixed, time-ordered ids (`rel_0193…`): readable in URLs and logs, sortable by creation.
 * `at` lets seeded history carry ids that match its backdated timestamps.
 */
export function newId(prefix: IdPrefix, at?: Date): string {
  const uuid = at ? uuidv7({ msecs: at.getTime() }) : uuidv7();
  return `${prefix}_${uuid.replaceAll("-", "")}`;
}

export type IdPrefix = "cfv" | "usr" | "tea" | "tok" | "pip" | "app" | "env" | "bld" | "rel" | "dep" | "stp" | "gat" | "apr" | "chk" | "cfg" | "frz" | "inc" | "aud" | "ver" | "job" | "ntf";
