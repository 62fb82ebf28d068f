import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-2 text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="text-zinc-600">There is nothing at this address. It may have been torn down or never existed.</p>
      <Link href="/" className="mt-2 text-sky-700 hover:underline">
        Back to the board
      </Link>
    </main>
  );
}
