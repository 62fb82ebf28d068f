import { formatList } from "./format";
import { outcome, type GateOutcome } from "./types";

/** One ticked pre-flight item on a deployment. */
export interface ChecklistTick {
  item: string;
  userId: string;
  userName: string;
  tickedAt: Date;
}

/**
 * Every pre-flight item from slipway.yaml must be ticked. Ticks of items no longer in the file are
 * ignored; an item ticked more than once shows its latest tick.
 */
export function evaluateChecklist(items: readonly string[], ticks: readonly ChecklistTick[]): GateOutcome {
  if (items.length === 0) return outcome("checklist", "pass", "no checklist items");
  const latest = new Map<string, ChecklistTick>();
  for (const tick of ticks) {
    const seen = latest.get(tick.item);
    if (items.includes(tick.item) && (!seen || tick.tickedAt > seen.tickedAt)) latest.set(tick.item, tick);
  }
  const state = items.map((item) => {
    const tick = latest.get(item);
    return { item, ticked: Boolean(tick), by: tick ? { userId: tick.userId, userName: tick.userName } : null, at: tick?.tickedAt ?? null };
  });
  const open = state.filter((s) => !s.ticked).map((s) => `'${s.item}'`);
  const detail = { items: state };
  if (open.length > 0) {
    const done = items.length - open.length;
    return outcome("checklist", "pending", `${done} of ${items.length} checklist ${items.length === 1 ? "item" : "items"} ticked: ${formatList(open)} ${open.length === 1 ? "is" : "are"} open`, { detail });
  }
  const who = state.map((s) => `'${s.item}' by ${s.by?.userName}`);
  const all = items.length === 1 ? "the checklist item is ticked" : items.length === 2 ? "both checklist items ticked" : `all ${items.length} checklist items ticked`;
  return outcome("checklist", "pass", `${all}: ${formatList(who)}`, { detail });
}
