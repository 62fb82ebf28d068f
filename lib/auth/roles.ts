/** Roles are domain vocabulary (lib/domain/roles.ts); re-exported here for the policy and session code. */
export * from "@/lib/domain/roles";
