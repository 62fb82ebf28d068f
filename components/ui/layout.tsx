import { cn } from "./cn";

export function PageHeader({ title, subtitle, actions, eyebrow }: { title: React.ReactNode; subtitle?: React.ReactNode; actions?: React.ReactNode; eyebrow?: React.ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        {eyebrow && <div className="mb-1 text-xs text-zinc-500">{eyebrow}</div>}
        <h1 className="text-lg font-semibold tracking-tight break-words">{title}</h1>
        {subtitle && <div className="mt-0.5 text-zinc-600">{subtitle}</div>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

export function Panel({ title, actions, children, className, bodyClassName }: { title?: React.ReactNode; actions?: React.ReactNode; children: React.ReactNode; className?: string; bodyClassName?: string }) {
  return (
    <section className={cn("min-w-0 rounded-lg border border-zinc-200 bg-white", className)}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2.5">
          <h2 className="text-sm font-semibold">{title}</h2>
          {actions}
        </header>
      )}
      {/* Wide tables scroll inside their card instead of widening the page (a phone is 390 px wide). */}
      <div className={cn("min-w-0 overflow-x-auto", bodyClassName)}>{children}</div>
    </section>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: React.ReactNode; action?: React.ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 px-6 py-10 text-center">
      <div className="font-medium text-zinc-800">{title}</div>
      {children && <div className="max-w-md text-zinc-600">{children}</div>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}

/** A definition list for "label: value" facts, dense and aligned. */
export function Facts({ items }: { items: [React.ReactNode, React.ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1.5">
      {items.map(([label, value], i) => (
        <div key={i} className="contents">
          <dt className="text-zinc-500">{label}</dt>
          <dd className="min-w-0 [overflow-wrap:anywhere]">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export const tableClass = "w-full border-collapse text-left";
/** A table's header and body cells: .th and .td in app/globals.css (a history page has hundreds). */
export const thClass = "th";
export const tdClass = "td";
