"use client";

import { createContext, useContext, useEffect, useState } from "react";

/**
 * The pipeline a page is about when its URL does not say it (a deployment's page, a release's):
 * the page renders <CurrentPipeline name="shop" /> and the header's pipeline switcher shows it.
 * Set after hydration — the header is rendered by the layout, before and apart from the page.
 */
const CurrentPipelineContext = createContext<{ name: string | null; set: (name: string | null) => void }>({ name: null, set: () => {} });

export function CurrentPipelineProvider({ children }: { children: React.ReactNode }) {
  const [name, set] = useState<string | null>(null);
  return <CurrentPipelineContext.Provider value={{ name, set }}>{children}</CurrentPipelineContext.Provider>;
}

/** Declares the page's pipeline for the header while the page is shown. Renders nothing. */
export function CurrentPipeline({ name }: { name: string | null }) {
  const { set } = useContext(CurrentPipelineContext);
  useEffect(() => {
    set(name);
    return () => set(null);
  }, [name, set]);
  return null;
}

/** The pipeline the shown page declared with <CurrentPipeline>, or null. */
export function useDeclaredPipeline(): string | null {
  return useContext(CurrentPipelineContext).name;
}
