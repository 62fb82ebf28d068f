import { ROLES, type Role } from "./roles";

/** What the sign-in page knows of a person when it orders them. */
export interface SignInCandidate {
  id: string;
  /** Global roles; roles held only in a team or pipeline are not among them. */
  roles: readonly Role[];
  createdAt: Date;
}

/**
 * The order the sign-in page lists people in, the README's order for the demo users: people with
 * a global role first, by the highest of those roles (viewer … admin, ROLES order); then people
 * whose roles are held only in a team or pipeline (the demo's team tech leads), in the order they
 * were added (then by id: time-ordered, so also by creation). Returns a new array.
 */
export function signInOrder<T extends SignInCandidate>(people: readonly T[]): T[] {
  const rank = (p: T) => (p.roles.length ? Math.max(...p.roles.map((r) => ROLES.indexOf(r))) : ROLES.length);
  return [...people].sort((a, b) => rank(a) - rank(b) || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
