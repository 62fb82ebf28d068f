import type { RequestSource } from "@/db/schema/enums";
import type { Role } from "./roles";

/**
 * Who is acting. A person (through the UI, the API with their token, or the CLI), or Slipway's own
 * automation (auto-promotion, auto-rollback, expiry), which has no roles but a few explicit rights.
 */
export interface Actor {
  kind: "user" | "automation" | "system";
  id: string;
  email: string;
  name: string;
  roles: readonly Role[];
  disabled: boolean;
  via: RequestSource;
  ip?: string | undefined;
}

/** Rows created by migrations-time bootstrap so automation can be named in history and audit. */
export const SYSTEM_USER = { id: "usr_system", email: "system@slipway.invalid", name: "Slipway" } as const;
export const AUTOMATION_USER = { id: "usr_automation", email: "automation@slipway.invalid", name: "Slipway automation" } as const;

export function systemActor(via: RequestSource = "cli"): Actor {
  return { kind: "system", ...SYSTEM_USER, roles: [], disabled: false, via };
}

export function automationActor(): Actor {
  return { kind: "automation", ...AUTOMATION_USER, roles: [], disabled: false, via: "automation" };
}

export function isSystemUserId(id: string): boolean {
  return id === SYSTEM_USER.id || id === AUTOMATION_USER.id;
}
