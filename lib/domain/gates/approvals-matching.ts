/**
 * Assigns approvers to rule slots so that each person counts at most once: a maximum bipartite
 * matching (Kuhn's augmenting paths; people and slots are few). Deterministic: people are tried in
 * the order given, rules in config order, so the same facts always give the same assignment.
 */
export function matchApprovers<R extends string>(rules: readonly { role: R; count: number }[], people: readonly { id: string; roles: ReadonlySet<R> }[]): Map<string, R> {
  const slots = rules.flatMap((rule) => Array.from({ length: rule.count }, () => rule.role));
  const slotOwner: (string | null)[] = slots.map(() => null);
  const rolesOf = new Map(people.map((p) => [p.id, p.roles]));

  const tryAssign = (personId: string, visited: Set<number>): boolean => {
    const roles = rolesOf.get(personId);
    for (let slot = 0; slot < slots.length; slot++) {
      if (visited.has(slot) || !roles?.has(slots[slot] as R)) continue;
      visited.add(slot);
      const owner = slotOwner[slot];
      if (owner === null || owner === undefined || tryAssign(owner, visited)) {
        slotOwner[slot] = personId;
        return true;
      }
    }
    return false;
  };

  for (const person of people) tryAssign(person.id, new Set());
  const assignment = new Map<string, R>();
  slotOwner.forEach((owner, slot) => {
    if (owner) assignment.set(owner, slots[slot] as R);
  });
  return assignment;
}
