import Link from "next/link";
import type { Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/policy";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { signOutAction } from "@/lib/auth/actions";
import { NavLink } from "./nav-link";
import { PipelineSwitcher } from "./pipeline-switcher";

export function Header({ actor, localMode, pendingApprovals, pipelines = [] }: { actor: Actor; localMode: boolean; pendingApprovals: number; pipelines?: readonly string[] }) {
  return (
    <header className="sticky top-0 z-20">
      {localMode && (
        <div role="note" className="bg-amber-100 px-4 py-1 text-center text-xs text-amber-900">
          Local mode: anyone at this machine can sign in as any user, without a password. Configure an identity provider (SLIPWAY_OIDC_*) for shared use.
        </div>
      )}
      <div className="bg-zinc-900">
        {/* On a phone the nav takes its own row and wraps; Sign out stays top right. */}
        <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2 xl:h-12 xl:flex-nowrap xl:py-0">
          <Link href="/" className="flex items-center gap-2 text-white">
            <span aria-hidden className="grid size-6 place-items-center rounded bg-white text-[0.7rem] font-bold text-zinc-900">
              S
            </span>
            <span className="font-semibold tracking-tight">Slipway</span>
          </Link>
          <nav aria-label="Main" className="order-last flex w-full flex-wrap items-center gap-1 xl:order-none xl:w-auto">
            <NavLink href="/">Portfolio</NavLink>
            <PipelineSwitcher pipelines={pipelines} />
            <NavLink href="/deployments">Deployments</NavLink>
            <NavLink href="/releases">Releases</NavLink>
            <NavLink href="/compare">Compare</NavLink>
            <NavLink href="/approvals">
              Approvals
              {pendingApprovals > 0 && <span className="ml-1.5 rounded-full bg-amber-400 px-1.5 text-xs font-semibold text-zinc-900">{pendingApprovals}</span>}
            </NavLink>
            <NavLink href="/freezes">Freezes</NavLink>
            <NavLink href="/incidents">Incidents</NavLink>
            <NavLink href="/metrics">Metrics</NavLink>
            {can(actor, "audit.view") && <NavLink href="/audit">Audit</NavLink>}
            <NavLink href="/settings">Settings</NavLink>
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="hidden text-right leading-tight text-zinc-300 sm:block">
              <span className="block text-white">{actor.name}</span>
              <span className="block text-xs text-zinc-400">
                {[...actor.roles.map((r) => ROLE_LABELS[r]), ...actor.grants.filter((g) => g.scope !== "global").map((g) => `${ROLE_LABELS[g.role]} (${g.scope}${g.scopeName ? ` ${g.scopeName}` : ""})`)].join(", ") || "no roles"}
              </span>
            </span>
            <form action={signOutAction}>
              <button className="rounded-md px-2 py-1 text-zinc-300 hover:bg-zinc-800 hover:text-white">Sign out</button>
            </form>
          </div>
        </div>
      </div>
    </header>
  );
}
