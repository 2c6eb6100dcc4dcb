/** The p-th percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Prints a markdown table (the first row is the header) and the line saying when and where it was measured. */
export async function printTable(table: string[][]): Promise<void> {
  const [header, ...body] = table;
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  console.log(line(header!));
  console.log(`|${" --- |".repeat(header!.length)}`);
  for (const row of body) console.log(line(row));
  console.log(
    `\nMeasured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${(await import("node:os")).cpus().length} cores.`,
  );
}
