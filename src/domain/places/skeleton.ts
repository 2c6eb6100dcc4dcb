/**
 * One spelling skeleton for a place name typed in Kazakh, Russian or Latin letters: Талдықорған, Талдыкорган and
 * Taldykorgan all become "taldikorgan". Kazakh letters fold to their Russian neighbours (ә→а, ғ→г, қ→к, ң→н, ө→о,
 * ұ/ү→у, һ→х, і→и), Cyrillic is transliterated, Latin loses its diacritics, and the letters people mix up
 * (y/ы/й/і → i, zh/j/ж → j, kh/x/х → h, q → k) become one. Spaces, hyphens and apostrophes go.
 */
const CYRILLIC: Record<string, string> = {
  а: "a",
  ә: "a",
  б: "b",
  в: "v",
  г: "g",
  ғ: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "j",
  з: "z",
  и: "i",
  й: "i",
  і: "i",
  к: "k",
  қ: "k",
  л: "l",
  м: "m",
  н: "n",
  ң: "n",
  о: "o",
  ө: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ұ: "u",
  ү: "u",
  ф: "f",
  х: "h",
  һ: "h",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "sh",
  ъ: "",
  ы: "i",
  ь: "",
  э: "e",
  ю: "iu",
  я: "ia",
};
const LATIN_SPECIAL: Record<string, string> = { ş: "sh", ç: "ch", ı: "i", ğ: "g", ñ: "n", ä: "a", ö: "o", ü: "u" };

export function skeleton(name: string): string {
  let out = "";
  for (const ch of name.normalize("NFC").toLowerCase()) {
    const mapped = CYRILLIC[ch] ?? LATIN_SPECIAL[ch];
    out += mapped ?? ch;
  }
  return out
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z]/g, "")
    .replace(/zh|dzh|dj/g, "j")
    .replace(/kh|x/g, "h")
    .replace(/q/g, "k")
    .replace(/w/g, "u")
    .replace(/^ye/, "e")
    .replace(/y/g, "i")
    .replace(/(.)\1+/g, "$1");
}

let previousRow = new Int32Array(64);
let currentRow = new Int32Array(64);

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`; two reused rows, no allocation. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (b.length + 1 > previousRow.length) {
    previousRow = new Int32Array(b.length + 1);
    currentRow = new Int32Array(b.length + 1);
  }
  let prev = previousRow;
  let row = currentRow;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row[j] = value;
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}
