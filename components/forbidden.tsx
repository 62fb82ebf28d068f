import { EmptyState, Panel } from "./ui/layout";

/** Shown instead of a page the signed-in person may not use; the services refuse the actions anyway. */
export function Forbidden({ what }: { what: string }) {
  return (
    <Panel>
      <EmptyState title="You don't have access to this page">{what} Ask an admin if you need it.</EmptyState>
    </Panel>
  );
}
