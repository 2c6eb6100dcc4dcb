import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";

/** Everything the page shows, already in the reader's language (plain text, not HTML). */
export interface BookPdfContent {
  title: string;
  /** Label–value pairs under the title: holder, period, date of issue… */
  facts: Array<[label: string, value: string]>;
  columns: [date: string, what: string, category: string, hours: string];
  rows: Array<[date: string, what: string, category: string, hours: string]>;
  total: [label: string, value: string];
  code: [label: string, value: string];
  /** How to check the code, a paragraph each. */
  verification: string[];
  /** Document metadata. */
  author: string;
}

// DejaVu Sans covers Cyrillic with every Kazakh letter (ә ғ қ ң ө ұ ү һ і); pdfkit embeds the used glyphs only.
// Parsing its layout tables is most of a document's cost, so the fonts are parsed once, with the fontkit pdfkit
// itself uses (pdfkit takes a parsed font as well as a file).
const require = createRequire(import.meta.url);
const fontkit = createRequire(require.resolve("pdfkit"))("fontkit") as { create(data: Buffer): object };
type FontSource = PDFKit.Mixins.PDFFontSource;
let fonts: { regular: FontSource; bold: FontSource } | undefined;
function loadFonts() {
  const parse = (file: string) =>
    fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as FontSource;
  fonts ??= { regular: parse("DejaVuSans.ttf"), bold: parse("DejaVuSans-Bold.ttf") };
  return fonts;
}

const MARGIN = 50;
const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const GAP = 8;
/** Column widths (date, what, category, hours) filling the text width. */
const WIDTHS = [70, 245, 120, PAGE.width - 2 * MARGIN - 70 - 245 - 120 - 3 * GAP];

export function renderVolunteerBookPdf(content: BookPdfContent): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    info: { Title: content.title, Author: content.author, Creator: "Erikti" },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  doc.registerFont("regular", regular);
  doc.registerFont("bold", bold);
  const bottom = PAGE.height - MARGIN;

  doc.font("bold").fontSize(18).text(content.title, MARGIN, MARGIN);
  doc.moveDown(0.6);
  doc.fontSize(11);
  for (const [label, value] of content.facts) {
    doc.font("bold").text(`${label}: `, { continued: true }).font("regular").text(value);
  }
  doc.moveDown(1);

  const rule = () => {
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(PAGE.width - MARGIN, doc.y)
      .lineWidth(0.5)
      .strokeColor("#888888")
      .stroke();
    doc.y += 4;
  };
  // Wrapping is the costly part of text layout: only cells wider than their column go through it.
  const row = (
    cells: readonly string[],
    widths: readonly number[],
    font: "regular" | "bold",
    onNewPage?: () => void,
  ) => {
    doc.font(font).fontSize(9.5);
    const lineHeight = doc.currentLineHeight(true);
    const natural = cells.map((cell) => doc.widthOfString(cell));
    const heights = cells.map((cell, i) =>
      natural[i]! <= widths[i]! ? lineHeight : doc.heightOfString(cell, { width: widths[i]! }),
    );
    const height = Math.max(...heights);
    if (doc.y + height > bottom) {
      doc.addPage();
      onNewPage?.();
      doc.font(font).fontSize(9.5);
    }
    const top = doc.y;
    let x = MARGIN;
    cells.forEach((cell, i) => {
      const width = widths[i]!;
      const last = i === cells.length - 1; // hours, right-aligned
      if (natural[i]! > width) doc.text(cell, x, top, { width, align: last ? "right" : "left" });
      else if (cell) doc.text(cell, last ? x + width - natural[i]! : x, top, { lineBreak: false });
      x += width + GAP;
    });
    doc.y = top + height + 4;
    doc.x = MARGIN;
  };
  const header = () => {
    row(content.columns, WIDTHS, "bold");
    rule();
  };

  header();
  for (const cells of content.rows) row(cells, WIDTHS, "regular", header);
  rule();
  const labelWidth = PAGE.width - 2 * MARGIN - WIDTHS[3]! - GAP;
  row(content.total, [labelWidth, WIDTHS[3]!], "bold");

  doc.moveDown(1.5);
  if (doc.y + 120 > bottom) doc.addPage();
  doc.font("bold").fontSize(13).text(`${content.code[0]}: ${content.code[1]}`, MARGIN);
  doc.moveDown(0.4);
  doc.font("regular").fontSize(10);
  for (const paragraph of content.verification) doc.text(paragraph, { width: PAGE.width - 2 * MARGIN }).moveDown(0.3);

  doc.end();
  return done;
}
