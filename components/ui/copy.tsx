"use client";

import { useState } from "react";
import { cn } from "./cn";

/** A value in monospace that copies itself on click (commits, digests, tokens). */
export function CopyText({ value, display, className }: { value: string; display?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      title={copied ? "Copied" : `Copy ${value}`}
      aria-label={`Copy ${value}`}
      onClick={() => {
        void navigator.clipboard?.writeText(value).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
      className={cn("rounded font-mono text-[0.8rem] hover:bg-zinc-100", copied && "bg-emerald-50 text-emerald-800", className)}
    >
      {display ?? value}
    </button>
  );
}
