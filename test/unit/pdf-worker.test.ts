import { describe, expect, it } from "vitest";
import { renderVolunteerBookPdfOffThread } from "../../src/domain/pdf/off-thread";
import { bookContent } from "../bench/book-pdf";

describe("volunteer book PDF on a worker thread", () => {
  it("renders the same document as the main thread would, several at once", async () => {
    const [small, large] = await Promise.all([
      renderVolunteerBookPdfOffThread(bookContent(3)),
      renderVolunteerBookPdfOffThread(bookContent(200)),
    ]);
    for (const pdf of [small, large]) {
      expect(Buffer.isBuffer(pdf)).toBe(true);
      expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      expect(pdf.includes("FontFile2")).toBe(true); // DejaVu Sans embedded
    }
    expect(large.length).toBeGreaterThan(small.length);
    const pages = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length ?? 0;
    expect(pages(small)).toBe(1);
    expect(pages(large)).toBeGreaterThan(3);
  });

  it("reports a rendering error instead of hanging", async () => {
    await expect(renderVolunteerBookPdfOffThread({ ...bookContent(1), rows: null } as never)).rejects.toThrow(
      /PDF rendering failed/,
    );
    expect((await renderVolunteerBookPdfOffThread(bookContent(1))).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });
});
