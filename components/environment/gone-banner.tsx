import type { EnvironmentView } from "@/lib/services/environments";
import { RelativeTime } from "@/components/ui/time";

/** What a torn-down (or retired) environment's page says first: it is gone, its record is not. */
export function GoneBanner({ environment, now }: { environment: EnvironmentView; now: Date }) {
  const tornDown = environment.state === "torn-down";
  return (
    <p role="status" data-testid="gone-banner" className="rounded-lg border border-zinc-200 bg-zinc-50 px-4 py-3 text-zinc-800">
      {tornDown ? (
        <>
          This review environment was torn down
          {environment.tornDownAt && (
            <>
              {" "}
              <RelativeTime at={environment.tornDownAt} now={now} />
            </>
          )}
          : its processes, data and configuration are gone. Its record stays: the release it ran, its verdicts and its deployments.
        </>
      ) : (
        <>This environment was retired (removed from its pipeline file). Its record stays: what it ran and its deployments.</>
      )}
    </p>
  );
}
