"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { InstanceInfo, InstanceLog, RestartBackOff } from "@/lib/platform/types";
import { Badge, Dot } from "@/components/ui/badge";
import { Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { environmentPath } from "@/lib/paths";

const REFRESH_MS = 3000;
const TAIL = 20;
/**
 * Up to this many apps, each app's instances are open and followed from the start. Past it they
 * start closed and only an opened app is polled: two requests per app every 3 s were ~33 requests
 * a second from one open page of 50 apps.
 */
const OPEN_UP_TO = 5;

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  }
  return response.json() as Promise<T>;
}

/** "exited · restarting in 3 s (back-off 4 s)": a pending restart, said against `now`; "restart due" once its time has passed. */
function backOffText(backOff: RestartBackOff, now: Date): string {
  const wait = backOff.seconds === null ? "" : ` (back-off ${backOff.seconds} s)`;
  if (backOff.until === null) return `exited · restarting after a back-off${wait}`;
  const left = Math.ceil((Date.parse(backOff.until) - now.getTime()) / 1000);
  return left > 0 ? `exited · restarting in ${left} s${wait}` : `exited · restart due${wait}`;
}

function AppInstances({ pipeline, environment, app, initiallyOpen }: { pipeline: string; environment: string; app: string; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  // The per-pipeline API: a bare /api/v1/environments/dev is ambiguous when another pipeline has a dev.
  const base = `/api/v1${environmentPath(pipeline, environment)}/apps/${encodeURIComponent(app)}`;
  const instances = useQuery({ queryKey: ["instances", pipeline, environment, app], queryFn: () => getJson<{ items: InstanceInfo[] }>(`${base}/instances`), refetchInterval: REFRESH_MS, enabled: open });
  const logs = useQuery({ queryKey: ["logs", pipeline, environment, app], queryFn: () => getJson<{ items: InstanceLog[] }>(`${base}/logs?tail=${TAIL}`), refetchInterval: REFRESH_MS, enabled: open });
  const items = instances.data?.items ?? [];
  const logOf = new Map((logs.data?.items ?? []).map((l) => [`${l.slot}/${l.instance}`, l.lines]));
  const now = new Date();
  return (
    <section data-app={app} className="border-b border-zinc-100 last:border-0">
      <details open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary className="cursor-pointer px-4 pt-3 pb-1 hover:bg-zinc-50">
          <h3 className="inline text-sm font-semibold text-zinc-800">{app}</h3>
        </summary>
        {!open ? null : instances.isError ? (
          <p className="px-4 pb-3 text-xs text-red-700">Cannot list instances: {instances.error.message}</p>
        ) : items.length === 0 ? (
          <p className="px-4 pb-3 text-xs text-zinc-500">{instances.isPending ? "Loading…" : "Nothing runs."}</p>
        ) : (
          <ul>
            {items.map((i) => (
              <li key={`${i.slot}/${i.id}`} data-instance={i.id} data-slot={i.slot} className="px-4 pb-2">
                <details>
                  <summary className="flex cursor-pointer list-none flex-wrap items-center gap-x-3 gap-y-1 py-1 text-xs hover:bg-zinc-50">
                    <Dot tone={i.running ? "green" : "red"} />
                    <span className="font-mono font-medium text-zinc-800">{i.id}</span>
                    <Badge tone={i.slot === "active" ? "blue" : "neutral"}>{i.slot}</Badge>
                    {i.type !== "web" && <Badge tone="violet">{i.type}</Badge>}
                    <span className="text-zinc-600">
                      {i.version} · {i.buildId}
                    </span>
                    <span className="font-mono text-zinc-600">{i.address ?? "no address"}</span>
                    <span className="text-zinc-500">
                      started <RelativeTime at={i.startedAt} now={now} />
                    </span>
                    <span className={i.restarts > 0 ? "text-amber-700" : "text-zinc-500"}>{i.restarts} restarts</span>
                    {!i.running && (i.backOff ? <Badge tone="amber">{backOffText(i.backOff, now)}</Badge> : <Badge tone="red">not running</Badge>)}
                  </summary>
                  <pre className="mt-1 max-h-56 overflow-auto rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs whitespace-pre-wrap text-zinc-100">
                    {(logOf.get(`${i.slot}/${i.id}`) ?? []).join("\n") || (logs.isError ? `Cannot read the log: ${logs.error.message}` : "(no output yet)")}
                  </pre>
                </details>
              </li>
            ))}
          </ul>
        )}
      </details>
    </section>
  );
}

/** Each app's processes (slot, build, address, started, restarts, a pending restart's back-off) and the last lines of each log, refreshed every 3 s while the app is open (all of them, up to OPEN_UP_TO apps). */
export function InstancesPanel({ pipeline, environment, apps }: { pipeline: string; environment: string; apps: string[] }) {
  const allOpen = apps.length <= OPEN_UP_TO;
  return (
    <Panel
      title="Instances"
      actions={
        <span className="text-xs text-zinc-500">
          {allOpen ? "live" : "open an app to follow it live"} · last {TAIL} log lines per instance
        </span>
      }
      bodyClassName="py-1"
    >
      {apps.length === 0 && <p className="px-4 py-3 text-xs text-zinc-500">No app of this page is deployed here yet.</p>}
      {apps.map((app) => (
        <AppInstances key={app} pipeline={pipeline} environment={environment} app={app} initiallyOpen={allOpen} />
      ))}
    </Panel>
  );
}
