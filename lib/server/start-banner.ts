import { DEMO_TEAMS } from "@/db/seed/demo-teams";
import { DEMO_USERS } from "@/db/seed/demo-users";

/** What `npm start` prints once it serves: where, how to sign in, where the data lives, how to stop. */
export interface StartBannerFacts {
  url: string;
  /** The identity provider people sign in with; null in local mode. */
  oidc: { name: string; issuer: string | undefined } | null;
  /** The demo data is in the database (loaded now or on an earlier start): its users can sign in. */
  demoData: boolean;
  /** "PostgreSQL (DATABASE_URL)" or the embedded database's directory. */
  data: string;
  /** The apps Slipway runs keep serving after it stops. */
  appsOutlive: boolean;
}

/**
 * How to sign in. The demo users are listed only when the demo data is there: on another
 * database (SLIPWAY_DEMO=0, a DATABASE_URL of real users) they do not exist, and naming them
 * would send people to a sign-in that fails.
 */
export function signInHelp(facts: Pick<StartBannerFacts, "oidc" | "demoData">): string {
  if (facts.oidc) return `Sign in with ${facts.oidc.name} (${facts.oidc.issuer}).`;
  if (!facts.demoData) return "Local mode (no identity provider configured): pick a user on the sign-in page, no password.";
  return [
    "Local mode (no identity provider configured): pick a demo user on the sign-in page, no password.",
    ...DEMO_USERS.map((u) => `    ${u.roles[0]!.padEnd(14)} ${u.email}`),
    ...DEMO_TEAMS.map((t) => `    ${t.lead.roles[0]!.padEnd(14)} ${t.lead.email} (in team ${t.name} only)`),
  ].join("\n");
}

export function startBanner(facts: StartBannerFacts): string {
  const stop = facts.appsOutlive ? "Stop with Ctrl+C. The apps it runs keep serving after it stops: `npm run apps:stop` stops them." : "Stop with Ctrl+C.";
  return `\n  Slipway is running at ${facts.url}\n  ${signInHelp(facts)}\n  Data: ${facts.data}\n  ${stop}\n`;
}
