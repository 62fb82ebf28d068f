/**
 * The difference between two config versions of an environment, as people may see it: plain
 * values shown, secret values never (only that they differ).
 */

/** One variable, its value already decrypted (the caller never shows a secret's value). */
export interface ConfigValue {
  key: string;
  /** The app it applies to, or null for every app. */
  app: string | null;
  secret: boolean;
  value: string;
}

export interface ConfigChange {
  key: string;
  app: string | null;
  change: "added" | "removed" | "changed";
  secret: boolean;
  /** The value in `from` (null when added, or a secret). */
  from: string | null;
  /** The value in `to` (null when removed, or a secret). */
  to: string | null;
}

const slot = (v: { key: string; app: string | null }) => `${v.app ?? ""}\u0000${v.key}`;

/** What changes going from config `from` to config `to`, sorted by key then app. Equal configs give []. */
export function diffConfig(from: readonly ConfigValue[], to: readonly ConfigValue[]): ConfigChange[] {
  const before = new Map(from.map((v) => [slot(v), v]));
  const after = new Map(to.map((v) => [slot(v), v]));
  const changes: ConfigChange[] = [];
  const shown = (v: ConfigValue | undefined) => (v && !v.secret ? v.value : null);
  for (const [id, a] of before) {
    const b = after.get(id);
    if (!b) changes.push({ key: a.key, app: a.app, change: "removed", secret: a.secret, from: shown(a), to: null });
    else if (a.value !== b.value || a.secret !== b.secret) changes.push({ key: a.key, app: a.app, change: "changed", secret: a.secret || b.secret, from: a.secret || b.secret ? null : a.value, to: a.secret || b.secret ? null : b.value });
  }
  for (const [id, b] of after) if (!before.has(id)) changes.push({ key: b.key, app: b.app, change: "added", secret: b.secret, from: null, to: shown(b) });
  return changes.sort((x, y) => x.key.localeCompare(y.key) || (x.app ?? "").localeCompare(y.app ?? ""));
}

/** Whether two configs hold exactly the same variables and values. */
export function sameConfig(a: readonly ConfigValue[], b: readonly ConfigValue[]): boolean {
  return diffConfig(a, b).length === 0;
}
