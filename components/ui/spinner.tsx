/** A small spinning ring for a wait in progress, in the text's colour; decorative (say what is happening in words beside it). */
export function Spinner() {
  return <span aria-hidden className="inline-block size-3 shrink-0 animate-spin rounded-full border-[1.5px] border-current border-r-transparent" />;
}
