import type { RequestSource } from "@/db/schema/enums";
import type { Grant, Role } from "./roles";

/**
 * Who is acting. A person (through the UI, the API with their token, or the CLI), or Slipway's own
 * automation (auto-promotion, auto-rollback, expiry), which has no roles but a few explicit rights.
 */
export interface Actor {
  kind: "user" | "automation" | "system";
  id: string;
  email: string;
  name: string;
  /** The roles held globally (everywhere). Team and pipeline grants are in `grants`. */
  roles: readonly Role[];
  /** Every role held, with where it applies (global ones included). The policy reads these. */
  grants: readonly Grant[];
  /** A token restricted to one pipeline: that pipeline's id; null/undefined: no restriction. */
  pipelineRestriction?: string | null | undefined;
  /** The restricted-to pipeline's name, for refusal messages. */
  pipelineRestrictionName?: string | undefined;
  disabled: boolean;
  via: RequestSource;
  ip?: string | undefined;
}

/** Rows created by migrations-time bootstrap so automation can be named in history and audit. */
export const SYSTEM_USER = { id: "usr_system", email: "system@slipway.invalid", name: "Slipway" } as const;
export const AUTOMATION_USER = { id: "usr_automation", email: "automation@slipway.invalid", name: "Slipway automation" } as const;

export function systemActor(via: RequestSource = "cli"): Actor {
  return { kind: "system", ...SYSTEM_USER, roles: [], grants: [], disabled: false, via };
}

export function automationActor(): Actor {
  return { kind: "automation", ...AUTOMATION_USER, roles: [], grants: [], disabled: false, via: "automation" };
}

export function isSystemUserId(id: string): boolean {
  return id === SYSTEM_USER.id || id === AUTOMATION_USER.id;
}
