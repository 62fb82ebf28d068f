import type { Role } from "@/lib/auth/roles";

/** One demo user per role (DESIGN.md): local sign-in offers exactly these. */
export const DEMO_USERS: { email: string; name: string; roles: Role[] }[] = [
  { email: "viewer@example.com", name: "Val Okafor", roles: ["viewer"] },
  { email: "developer@example.com", name: "Dana Reyes", roles: ["developer"] },
  { email: "delivery-lead@example.com", name: "Lee Morgan", roles: ["delivery-lead"] },
  { email: "tech-lead@example.com", name: "Tomás Novak", roles: ["tech-lead"] },
  { email: "pm@example.com", name: "Priya Shah", roles: ["pm"] },
  { email: "admin@example.com", name: "Ada Lindqvist", roles: ["admin"] },
];
