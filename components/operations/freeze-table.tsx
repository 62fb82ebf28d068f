import { environmentRefLabel } from "@/lib/paths";
import type { FreezeState, FreezeView } from "@/lib/services/freeze-queries";
import { formatDuration } from "@/lib/config/duration";
import { Badge, Dot, type Tone } from "@/components/ui/badge";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { Recurrence } from "./recurrence";
import { LiftFreezeButton } from "./lift-freeze-button";
import { Instant } from "./when";

const STATE_TONE: Record<FreezeState, Tone> = { active: "blue", upcoming: "violet", ended: "neutral", lifted: "neutral" };
const STATE_LABEL: Record<FreezeState, string> = { active: "frozen now", upcoming: "upcoming", ended: "ended", lifted: "lifted" };

/** The state as people read it: a freeze lifted before it began was cancelled, never in force. */
const stateLabel = (freeze: FreezeView) => (freeze.lifted?.beforeStart ? "cancelled" : STATE_LABEL[freeze.state]);

/** Where the freeze holds: one environment (qualified by its pipeline when known), a whole pipeline, or every pipeline (a stopped line). */
function Scope({ pipeline, environment }: { pipeline: string | null; environment: string | null }) {
  if (environment !== null) return <Badge>{pipeline ? environmentRefLabel(`${pipeline}/${environment}`) : environment}</Badge>;
  if (pipeline !== null) return <Badge tone="amber">{`all of ${pipeline}`}</Badge>;
  return <Badge tone="red">all environments</Badge>;
}

function Schedule({ freeze, now }: { freeze: FreezeView; now: Date }) {
  const zone = freeze.timezone;
  return (
    <div className="flex flex-col gap-0.5 text-xs text-zinc-700">
      {freeze.period ? (
        <>
          <span>
            <span className="text-zinc-500">from</span> <Instant at={freeze.period.start} now={now} zone={zone} relative={freeze.state === "upcoming"} />
          </span>
          <span>
            <span className="text-zinc-500">until</span> {freeze.period.end ? <Instant at={freeze.period.end} now={now} zone={zone} /> : <strong className="font-medium">lifted</strong>}
          </span>
        </>
      ) : freeze.lifted ? (
        <span>
          <span className="text-zinc-500">{freeze.lifted.beforeStart ? "was to run from" : "was"}</span> <Instant at={freeze.startsAt ?? freeze.lifted.at} now={now} zone={zone} relative={false} />{" "}
          {freeze.lifted.beforeStart ? (
            freeze.endsAt ? (
              <>
                <span className="text-zinc-500">to</span> <Instant at={freeze.endsAt} now={now} zone={zone} relative={false} />
              </>
            ) : (
              <span className="text-zinc-500">until lifted</span>
            )
          ) : freeze.endsAt && freeze.endsAt <= freeze.lifted.at ? (
            <>
              <span className="text-zinc-500">–</span> <Instant at={freeze.endsAt} now={now} zone={zone} relative={false} />
            </>
          ) : (
            // Lifted before its planned end (or it had none): it ended when it was lifted.
            <>
              <span className="text-zinc-500">–</span> <Instant at={freeze.lifted.at} now={now} zone={zone} relative={false} /> <span className="text-zinc-500">(lifted)</span>
            </>
          )}
        </span>
      ) : freeze.endsAt ? (
        <span>
          <span className="text-zinc-500">ended</span> <Instant at={freeze.endsAt} now={now} zone={zone} />
        </span>
      ) : null}
      {freeze.rrule && (
        <span className="text-zinc-500">
          repeats <Recurrence rule={freeze.rrule} />
          {freeze.durationMs ? <> for {formatDuration(freeze.durationMs)} each</> : null}
          {freeze.timezone ? <> ({freeze.timezone})</> : null}
          {freeze.state === "active" && freeze.nextStart && (
            <>
              {" "}
              · next <Instant at={freeze.nextStart} now={now} zone={zone} relative={false} />
            </>
          )}
        </span>
      )}
      {freeze.problem && <span className="text-rose-700">Cannot evaluate the schedule ({freeze.problem}): the gate treats it as active.</span>}
    </div>
  );
}

function Who({ freeze, now }: { freeze: FreezeView; now: Date }) {
  if (freeze.source === "slipway.yaml") {
    return (
      <div className="flex flex-col gap-0.5 text-xs">
        <span className="text-zinc-700">pipeline file</span>
        <span className="text-zinc-500">change it by editing the file</span>
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-0.5 text-xs">
      <span className="text-zinc-800" title={freeze.createdBy?.email}>
        {freeze.createdBy?.name ?? "someone"}
      </span>
      <span className="text-zinc-500">
        {freeze.createdAt && <RelativeTime at={freeze.createdAt} now={now} />} · via {freeze.source}
      </span>
      {freeze.lifted && (
        <span className="text-zinc-500">
          {freeze.lifted.beforeStart ? "cancelled" : "lifted"} by <span className="text-zinc-700">{freeze.lifted.by?.name ?? "someone"}</span> <RelativeTime at={freeze.lifted.at} now={now} />
          {freeze.lifted.reason && <>: {freeze.lifted.reason}</>}
        </span>
      )}
    </div>
  );
}

/** Freezes with scope, why, when and who; Lift for people who manage freezes (the service checks again). */
export function FreezeTable({ freezes, now, canManage, caption }: { freezes: FreezeView[]; now: Date; canManage: boolean; caption: string }) {
  return (
    <table className={tableClass} aria-label={caption}>
      <thead>
        <tr>
          <th className={thClass}>Scope</th>
          <th className={thClass}>Freeze</th>
          <th className={thClass}>When</th>
          <th className={thClass}>Declared by</th>
          <th className={thClass}>State</th>
          {canManage && <th className={thClass}></th>}
        </tr>
      </thead>
      <tbody>
        {freezes.map((f, i) => (
          <tr key={f.id ?? `yaml-${f.environment}-${f.name}-${i}`} data-testid="freeze-row">
            <td className={tdClass}>
              <Scope pipeline={f.pipeline} environment={f.environment} />
            </td>
            <td className={`${tdClass} max-w-md`}>
              <div className="font-medium">{f.name}</div>
              <div className="text-zinc-600">{f.reason}</div>
            </td>
            <td className={tdClass}>
              <Schedule freeze={f} now={now} />
            </td>
            <td className={tdClass}>
              <Who freeze={f} now={now} />
            </td>
            <td className={tdClass}>
              <Badge tone={STATE_TONE[f.state]}>
                {f.state === "active" && <Dot tone="blue" />}
                {stateLabel(f)}
              </Badge>
            </td>
            {canManage && (
              <td className={tdClass}>
                {/* Not text-right on the cell: the confirmation dialog inside it would inherit the alignment. */}
                <div className="flex justify-end">{f.liftable && f.id && <LiftFreezeButton freezeId={f.id} name={f.name} environment={f.environment} pipeline={f.pipeline} upcoming={f.state === "upcoming"} />}</div>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
