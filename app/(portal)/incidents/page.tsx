import type { Metadata } from "next";
import { headers } from "next/headers";
import { connection } from "next/server";
import { can } from "@/lib/auth/policy";
import { getServiceContext } from "@/lib/server/page-context";
import { liveEnvironmentNames } from "@/lib/services/live-environments";
import { INCIDENT_SEVERITIES, listIncidents } from "@/lib/services/incidents";
import { IncidentForm } from "@/components/operations/incident-form";
import { IncidentTable } from "@/components/operations/incident-table";
import { Badge } from "@/components/ui/badge";
import { CopyText } from "@/components/ui/copy";
import { EmptyState, Facts, PageHeader, Panel } from "@/components/ui/layout";

export const metadata: Metadata = { title: "Incidents" };

const WEBHOOK_PATH = "/api/v1/webhooks/incidents";

/** Where this Slipway is reached, as the request says (behind a proxy: its forwarded host). */
async function baseUrl(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host");
  if (!host) return "";
  const proto = h.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? (host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https");
  return `${proto}://${host}`;
}

const EXAMPLE = `{ "action": "open", "externalId": "PD-1234", "environment": "prod",
  "title": "Checkout returns 500s", "severity": "major", "url": "https://…" }
{ "action": "resolve", "externalId": "PD-1234", "environment": "prod" }`;

export default async function IncidentsPage() {
  await connection();
  const ctx = await getServiceContext();
  const { db, actor } = ctx;
  const now = ctx.clock.now();
  const [incidents, environments, base] = await Promise.all([listIncidents(ctx, { limit: 50 }), liveEnvironmentNames(db), baseUrl()]);
  const open = incidents.filter((i) => i.state === "open");
  const resolved = incidents.filter((i) => i.state === "resolved");
  const canManage = can(actor, "incident.manage");
  const webhookUrl = `${base}${WEBHOOK_PATH}`;
  const webhookConfigured = Boolean(process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET);

  return (
    <>
      <PageHeader title="Incidents" subtitle="An open incident blocks deployments into its environment (the incident gate) until someone resolves it — here, through the API, or from your incident tool's webhook." />
      <div className="flex flex-col gap-6">
        {canManage && (
          <Panel title="Declare an incident" bodyClassName="p-4">
            <IncidentForm environments={environments} severities={INCIDENT_SEVERITIES} />
          </Panel>
        )}

        <Panel title={`Open (${open.length})`}>
          {open.length === 0 ? <EmptyState title="No open incidents">Deployments are held only by their other gates.</EmptyState> : <IncidentTable incidents={open} now={now} canManage={canManage} caption="Open incidents" />}
        </Panel>

        <Panel title={`Resolved (${resolved.length === 50 ? "latest 50" : resolved.length})`}>
          {resolved.length === 0 ? <EmptyState title="No resolved incidents yet" /> : <IncidentTable incidents={resolved} now={now} canManage={false} caption="Resolved incidents" />}
        </Panel>

        <Panel title="From your incident tool" actions={webhookConfigured ? <Badge tone="green">webhook on</Badge> : <Badge tone="amber">webhook off: set SLIPWAY_INCIDENT_WEBHOOK_SECRET</Badge>} bodyClassName="p-4 flex flex-col gap-3">
          <p className="text-zinc-700">
            PagerDuty, Opsgenie or any tool that can send a signed webhook opens and resolves incidents here: POST JSON to the URL below, signed with the secret the Slipway server has in{" "}
            <code className="font-mono text-xs">SLIPWAY_INCIDENT_WEBHOOK_SECRET</code>. Opening the same <code className="font-mono text-xs">externalId</code> twice changes nothing; the changes show in the audit trail as Slipway automation
            via webhook.
          </p>
          <Facts
            items={[
              ["URL", <CopyText key="url" value={webhookUrl} className="px-1" />],
              ["X-Slipway-Timestamp", <span key="ts">the time in unix seconds (within 5 minutes of Slipway&apos;s clock)</span>],
              [
                "X-Slipway-Signature",
                <span key="sig">
                  <code className="font-mono text-xs">sha256=</code> + hex HMAC-SHA256 of <code className="font-mono text-xs">&quot;&lt;timestamp&gt;.&lt;raw body&gt;&quot;</code>
                </span>,
              ],
            ]}
          />
          <pre className="overflow-x-auto rounded-md bg-zinc-50 p-3 font-mono text-xs text-zinc-800 ring-1 ring-zinc-200">{EXAMPLE}</pre>
          <p className="text-xs text-zinc-500">
            Answers: 201 opened, 200 with <code className="font-mono">changed: false</code> when there is nothing to change, 401 for a missing, stale or wrong signature, 400 with field errors for a bad payload, 503 while the secret is not
            set. See{" "}
            <a className="underline" href="/api/v1/openapi.json">
              the API document
            </a>
            .
          </p>
        </Panel>
      </div>
    </>
  );
}
