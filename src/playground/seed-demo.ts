import { asc } from "drizzle-orm";
import { CATEGORIES, type Category } from "../domain/categories";
import type { Database } from "../db/client";
import { actions, clubMeetings, clubs, marathons, organizations, regions } from "../db/schema";
import { ALMATY_OFFSET_MS, DAY_MS } from "../core/time";

/**
 * Demo data for the playground and `npm run seed:demo`: organizers in every region, a few hundred upcoming actions
 * near the region centers and towns, the national "Марафон добрых дел", a regional marathon and longevity clubs.
 * A seeded PRNG makes the data the same on every run (dates are relative to `now`).
 */

export const DEMO_MARATHON_CODE = "good-deeds";
const REGIONAL_MARATHON_CODE = "green-almaty";
const DEFAULT_ACTIONS = 360;
const DEFAULT_SEED = 20_260_301;
const DAYS_AHEAD = 45;

export interface SeedDemoOptions {
  /** Actions start after this moment (default: now). */
  now?: Date;
  /** How many actions (default 360). */
  actions?: number;
  /** The same seed gives the same data. */
  seed?: number;
}

export interface SeedDemoResult {
  /** False when demo data was already there (nothing was written). */
  seeded: boolean;
  organizations: number;
  actions: number;
  marathons: number;
  clubs: number;
}

type Lang = "kk" | "ru";
type Region = typeof regions.$inferSelect;
type NewAction = typeof actions.$inferInsert;

/** mulberry32: small, fast, good enough for demo data. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof prng>;

interface Place {
  kk: string;
  ru: string;
  latitude: number;
  longitude: number;
  /** Actions are scattered up to this far from the point. */
  radiusKm: number;
  /** Relative share of the region's actions. */
  weight: number;
}

/** Towns beside the region centers (real coordinates); the center itself comes from the regions table. */
const TOWNS: Record<string, Array<Omit<Place, "radiusKm" | "weight">>> = {
  almaty_reg: [
    { kk: "Талғар", ru: "Талгар", latitude: 43.3047, longitude: 77.24 },
    { kk: "Қаскелең", ru: "Каскелен", latitude: 43.2, longitude: 76.62 },
  ],
  karaganda: [
    { kk: "Теміртау", ru: "Темиртау", latitude: 50.0549, longitude: 72.9646 },
    { kk: "Балқаш", ru: "Балхаш", latitude: 46.8481, longitude: 74.995 },
  ],
  pavlodar: [{ kk: "Екібастұз", ru: "Экибастуз", latitude: 51.7298, longitude: 75.3266 }],
  mangystau: [{ kk: "Жаңаөзен", ru: "Жанаозен", latitude: 43.3412, longitude: 52.8619 }],
  turkistan: [{ kk: "Кентау", ru: "Кентау", latitude: 43.5165, longitude: 68.5199 }],
  kostanay: [{ kk: "Рудный", ru: "Рудный", latitude: 52.9729, longitude: 63.1168 }],
  east_kz: [{ kk: "Риддер", ru: "Риддер", latitude: 50.3443, longitude: 83.5128 }],
  abai: [
    { kk: "Курчатов", ru: "Курчатов", latitude: 50.756, longitude: 78.542 },
    { kk: "Аягөз", ru: "Аягоз", latitude: 47.9642, longitude: 80.4344 },
  ],
  ulytau: [{ kk: "Сәтбаев", ru: "Сатпаев", latitude: 47.9, longitude: 67.5333 }],
  akmola: [{ kk: "Щучинск", ru: "Щучинск", latitude: 52.9333, longitude: 70.2 }],
  jetisu: [
    { kk: "Текелі", ru: "Текели", latitude: 44.83, longitude: 78.824 },
    { kk: "Жаркент", ru: "Жаркент", latitude: 44.1628, longitude: 80.0 },
  ],
  jambyl: [{ kk: "Шу", ru: "Шу", latitude: 43.5983, longitude: 73.7614 }],
  aktobe: [{ kk: "Хромтау", ru: "Хромтау", latitude: 50.2503, longitude: 58.4347 }],
  atyrau: [{ kk: "Құлсары", ru: "Кульсары", latitude: 46.9531, longitude: 54.0198 }],
  west_kz: [{ kk: "Ақсай", ru: "Аксай", latitude: 51.1678, longitude: 52.995 }],
  kyzylorda: [{ kk: "Арал", ru: "Аральск", latitude: 46.8, longitude: 61.6667 }],
};

/** Aktau's center lies on the Caspian shore: scatter its actions inland. */
const CENTER_OVERRIDES: Record<string, { latitude: number; longitude: number }> = {
  mangystau: { latitude: 43.655, longitude: 51.19 },
};

/** Share of the actions: the big cities get more. */
const REGION_WEIGHT: Record<string, number> = { almaty: 3.5, astana: 3, shymkent: 1.5 };
const CITY_RADIUS_KM: Record<string, number> = { almaty: 7, astana: 7, shymkent: 5 };

const UNIVERSITIES: Record<string, string[]> = {
  almaty: ["КазНУ имени аль-Фараби", "Satbayev University"],
  astana: ["Л. Н. Гумилев атындағы Еуразия ұлттық университеті"],
  shymkent: ["ЮКУ имени М. Ауэзова"],
  karaganda: ["Карагандинский университет имени Е. А. Букетова"],
  pavlodar: ["Торайғыров университеті"],
  east_kz: ["ВКУ имени С. Аманжолова"],
  abai: ["Шәкәрім атындағы университет"],
  kostanay: ["Костанайский региональный университет имени А. Байтурсынова"],
  north_kz: ["СКУ имени М. Козыбаева"],
  akmola: ["Кокшетауский университет имени Ш. Уалиханова"],
  aktobe: ["Қ. Жұбанов атындағы Ақтөбе өңірлік университеті"],
  atyrau: ["Атырауский университет имени Х. Досмухамедова"],
  west_kz: ["ЗКУ имени М. Утемисова"],
  mangystau: ["Ш. Есенов атындағы Каспий технологиялар және инжиниринг университеті"],
  kyzylorda: ["Қорқыт Ата атындағы Қызылорда университеті"],
  turkistan: ["Международный казахско-турецкий университет имени Х. А. Ясави"],
  jambyl: ["Таразский университет имени М. Х. Дулати"],
  jetisu: ["І. Жансүгіров атындағы Жетісу университеті"],
  ulytau: ["Жезказганский университет имени О. А. Байконурова"],
};

/** A name written in one language: Kazakh when it has Kazakh letters or Kazakh word forms, else Russian. */
function byScript(name: string): { nameKk: string | null; nameRu: string | null } {
  return /[әғқңөұүһі]|атындағы|университеті|қоры|орталығы/i.test(name)
    ? { nameKk: name, nameRu: null }
    : { nameKk: null, nameRu: name };
}

/** National NGOs and the directions they work in. */
const NGOS: Array<{ name: string; categories: Category[] }> = [
  { name: "«Жасыл ел еріктілері» қоғамдық қоры", categories: ["ecology"] },
  { name: "ОФ «Добрые лапы»", categories: ["animals"] },
  { name: "«Мейірім» қайырымдылық қоры", categories: ["social", "seniors"] },
  { name: "Ассоциация «Білім еріктілері»", categories: ["education"] },
  { name: "ОО «Мобильные спасатели»", categories: ["emergency"] },
  { name: "«Мұра» мәдени мұра қоры", categories: ["culture"] },
  { name: "ОО «Спорт для всех»", categories: ["sport"] },
  { name: "Фонд «Здоровое поколение»", categories: ["health"] },
  { name: "«Ұлағат» ардагерлерге көмек орталығы", categories: ["seniors"] },
  { name: "Клуб «Жастар & Волонтёры»", categories: ["other", "social"] },
];

const TITLES: Record<Category, Record<Lang, string[]>> = {
  ecology: {
    kk: [
      "Таза Қазақстан: саябақты тазалау",
      "Ағаш отырғызу акциясы",
      "Өзен жағасын қоқыстан тазарту",
      "Экосабақ: қалдықты сұрыптауды үйренеміз",
    ],
    ru: [
      "Таза Қазақстан: субботник в парке",
      "Посадка деревьев во дворе школы",
      "Уборка берега реки",
      "Эко-пункт: раздельный сбор пластика и макулатуры",
      "Фестиваль «Жасыл қала» & эко-ярмарка",
    ],
  },
  social: {
    kk: ["Көпбалалы отбасыларға азық-түлік себеті", "Балалар үйінде ойын күні", "Қайырымдылық жәрмеңкесі"],
    ru: [
      "Фудбанк: сортировка продуктовых наборов",
      "Сбор тёплых вещей для нуждающихся",
      "Праздник для детей из детского дома",
    ],
  },
  health: {
    kk: [
      "Қан тапсыру акциясы «Өмір сыйла»",
      "Алғашқы көмек: еріктілерге арналған тренинг",
      "Балалар ауруханасында ойын бөлмесі",
    ],
    ru: [
      "Донорская акция «Сдай кровь — спаси жизнь»",
      "Измерение давления в торговом центре",
      "Волонтёры в детской больнице",
    ],
  },
  education: {
    kk: ["Мектеп оқушыларына математикадан көмек", "Қазақ тілі: сөйлесу клубы", "Кітапханада балаларға кітап оқу"],
    ru: [
      "Репетиторство для школьников: английский язык",
      "Профориентация для старшеклассников",
      "Уроки программирования для подростков",
    ],
  },
  culture: {
    kk: ["Мерекелік концертті ұйымдастыруға көмек", "Мұражайда еріктілер күні", "Тарихи ескерткішті абаттандыру"],
    ru: [
      "Экскурсия по старому городу для гостей",
      "Помощь на фестивале домбры",
      "Оцифровка архива краеведческого музея",
    ],
  },
  emergency: {
    kk: ["Су тасқынына дайындық: қап толтыру", "Іздестіру-құтқару жаттығуы", "Гуманитарлық көмек жинау пункті"],
    ru: ["Тренинг мобильной группы: паводки", "Учения по поиску пропавших", "Первая помощь: курс для мобильной группы"],
  },
  seniors: {
    kk: ["Қарттар үйіне көмек", "Ардагерлерге қонаққа барамыз", "Жалғыз қарттарға азық-түлік жеткізу"],
    ru: [
      "Цифровая грамотность для пожилых: смартфон и eGov",
      "Концерт в доме престарелых",
      "Прогулка с подопечными центра долголетия",
    ],
  },
  animals: {
    kk: ["Жануарлар баспанасында ит серуендету", "Үйсіз мысықтарға үйшік жасау", "Баспанаға жем жинау"],
    ru: ["Помощь в приюте для животных", "Выгул собак из приюта", "День открытых дверей в приюте: ищем хозяев"],
  },
  sport: {
    kk: ["Қалалық жүгіру жарысына еріктілер", "Балалар футбол турниріне көмек", "Инклюзивті спорт фестивалі"],
    ru: ["Волонтёры на городском забеге", "Судьи и помощники на детском турнире", "Семейная спартакиада во дворе"],
  },
  other: {
    kk: ["Жастар форумында тіркеу үстелі", "Қоғамдық ұйымдарға фото түсіру"],
    ru: ["Переводчики на международной конференции", "Helpdesk на хакатоне <IT Jas>", "Фото- и видеосъёмка для НКО"],
  },
};

const DESCRIPTIONS: Record<Category, Record<Lang, string>> = {
  ecology: {
    kk: "Саябақ пен аулаларды қоқыстан тазалаймыз, пластикті бөлек жинаймыз. Қолғап, қап және ауыз су береміз. Ыңғайлы киім мен бас киім алыңыз.",
    ru: "Убираем мусор, отдельно собираем пластик, приводим в порядок клумбы. Перчатки, мешки и воду выдадим. Оденьтесь удобно, возьмите головной убор.",
  },
  social: {
    kk: "Мұқтаж отбасыларға арналған көмекті сұрыптап, жинап, таратамыз. Командамен жұмыс істейміз, үйлестіруші бәрін орнында түсіндіреді.",
    ru: "Сортируем, упаковываем и раздаём помощь семьям, которым она нужна. Работаем в команде, координатор всё объяснит на месте.",
  },
  health: {
    kk: "Медицина қызметкерлеріне көмектесеміз: тіркеу, кезекті реттеу, келушілердің сұрағына жауап беру. Денсаулығыңыз мүмкіндік берсе, қан да тапсыра аласыз.",
    ru: "Помогаем медикам: регистрация, очередь, ответы на вопросы посетителей. Если здоровье позволяет, можно и самим сдать кровь.",
  },
  education: {
    kk: "Оқушылармен шағын топта сабақ өткіземіз. Тақырып пен материалдар дайын, тек уақытыңыз бен ниетіңіз керек.",
    ru: "Занимаемся со школьниками в небольших группах. Темы и материалы готовы — нужны ваше время и желание объяснять.",
  },
  culture: {
    kk: "Қонақтарды қарсы аламыз, жол көрсетеміз, ұйымдастырушыларға көмектесеміз. Қазақ және орыс тілдерін білу — артықшылық.",
    ru: "Встречаем гостей, показываем дорогу, помогаем организаторам. Знание казахского и русского — плюс, английского — большой плюс.",
  },
  emergency: {
    kk: "Құтқарушылармен бірге жаттығамыз: қауіпсіздік ережелері, байланыс, іс-қимыл тәртібі. Арнайы киім мен құралды береміз.",
    ru: "Занятие вместе со спасателями: безопасность, связь, порядок действий. Экипировку выдадим, нужна только удобная одежда.",
  },
  seniors: {
    kk: "Қарт адамдармен әңгімелесеміз, үй шаруасына көмектесеміз, бірге уақыт өткіземіз. Ең бастысы — шыдамдылық пен жылы сөз.",
    ru: "Общаемся, помогаем по хозяйству, проводим время вместе с пожилыми людьми. Главное — терпение и доброе слово.",
  },
  animals: {
    kk: "Иттерді серуендетеміз, вольерлерді тазалаймыз, жануарларды тамақтандырамыз. Былғануы мүмкін киіммен келіңіз.",
    ru: "Выгуливаем собак, убираем вольеры, кормим животных. Приходите в одежде, которую не жалко испачкать.",
  },
  sport: {
    kk: "Қатысушыларды тіркейміз, су таратамыз, трассада жол көрсетеміз. Еріктілерге футболка мен түскі ас беріледі.",
    ru: "Регистрируем участников, раздаём воду, показываем маршрут. Волонтёрам — футболка и обед.",
  },
  other: {
    kk: "Іс-шараны өткізуге көмектесеміз: тіркеу, ақпарат беру, фото. Тәжірибе қажет емес, бәрін үйретеміз.",
    ru: "Помогаем провести мероприятие: регистрация, навигация, фото. Опыт не нужен, всему научим.",
  },
};

const VENUES: Record<Category, Record<Lang, string[]>> = {
  ecology: { kk: ["Қалалық саябақ", "Жағалау", "Гүлзар"], ru: ["Городской парк", "Набережная", "Сквер"] },
  social: {
    kk: ["Азық-түлік банкі", "Әлеуметтік көмек орталығы", "Балалар үйі"],
    ru: ["Фудбанк", "Центр социальной помощи", "Детский дом"],
  },
  health: {
    kk: ["Қалалық аурухана", "Қан орталығы", "Қалалық емхана"],
    ru: ["Городская больница", "Центр крови", "Городская поликлиника"],
  },
  education: {
    kk: ["Мектеп-гимназия", "Облыстық кітапхана", "Жастар орталығы"],
    ru: ["Школа-гимназия", "Областная библиотека", "Молодёжный центр"],
  },
  culture: {
    kk: ["Облыстық мұражай", "Мәдениет үйі", "Драма театры"],
    ru: ["Областной музей", "Дом культуры", "Драмтеатр"],
  },
  emergency: {
    kk: ["ТЖД оқу орталығы", "Құтқару станциясы", "Көмек жинау пункті"],
    ru: ["Учебный центр ДЧС", "Спасательная станция", "Пункт сбора помощи"],
  },
  seniors: {
    kk: ["Қарттар үйі", "Белсенді ұзақ өмір орталығы", "Ардагерлер кеңесі"],
    ru: ["Дом престарелых", "Центр активного долголетия", "Совет ветеранов"],
  },
  animals: { kk: ["Жануарлар баспанасы", "Ветеринарлық клиника"], ru: ["Приют для животных", "Ветклиника"] },
  sport: {
    kk: ["Орталық стадион", "Спорт кешені", "Қалалық саябақ"],
    ru: ["Центральный стадион", "Спорткомплекс", "Городской парк"],
  },
  other: { kk: ["Коворкинг", "Жастар сарайы"], ru: ["Коворкинг", "Дворец молодёжи"] },
};

const STREETS: Record<Lang, string[]> = {
  kk: [
    "Абай көшесі",
    "Төле би көшесі",
    "Жамбыл көшесі",
    "Әуезов көшесі",
    "Байтұрсынұлы көшесі",
    "Сейфуллин көшесі",
    "Қонаев көшесі",
    "Желтоқсан көшесі",
    "Республика даңғылы",
  ],
  ru: [
    "ул. Абая",
    "ул. Толе би",
    "ул. Жамбыла",
    "ул. Ауэзова",
    "ул. Байтурсынова",
    "ул. Сейфуллина",
    "ул. Кунаева",
    "ул. Желтоксан",
    "пр. Республики",
  ],
};

/** Local start hours that suit each direction (Asia/Almaty). */
const START_HOURS: Record<Category, number[]> = {
  ecology: [9, 10, 10, 11, 16],
  social: [10, 11, 14, 15],
  health: [9, 10, 11, 14],
  education: [15, 16, 17, 18],
  culture: [11, 12, 15, 18],
  emergency: [9, 10, 18, 19],
  seniors: [10, 11, 15],
  animals: [9, 10, 11, 15],
  sport: [8, 9, 10],
  other: [10, 14, 18, 19],
};
const LAST_HOUR = 21;
const HOURS_CREDITED = [1, 1.5, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8];
const CAPACITIES = [5, 8, 10, 12, 15, 20, 20, 25, 30, 40, 50, 60, 80, 100];

export interface DemoPlan {
  organizations: Array<typeof organizations.$inferInsert>;
  marathons: Array<typeof marathons.$inferInsert>;
  /** Linked by index into `organizations` and by marathon code until the ids exist. */
  actions: Array<NewAction & { organizationIndex: number; marathonCode: string | null }>;
  clubs: Array<{ club: typeof clubs.$inferInsert; meetings: Array<Omit<typeof clubMeetings.$inferInsert, "clubId">> }>;
}

/** The demo data as plain rows (no database): deterministic for a given `now`, seed and count. */
export function planDemo(regionList: readonly Region[], options: SeedDemoOptions = {}): DemoPlan {
  const now = options.now ?? new Date();
  const random = prng(options.seed ?? DEFAULT_SEED);
  const total = options.actions ?? DEFAULT_ACTIONS;

  const orgs: DemoPlan["organizations"] = [];
  const approved = (regionCode: string | null) => ({ regionCode, status: "approved" as const, verifiedAt: now });
  const orgsByRegion = new Map<string, number[]>();
  for (const region of regionList) {
    const own = [
      orgs.push({
        nameKk: `Еріктілер фронт-офисі — ${region.nameKk}`,
        nameRu: `Фронт-офис волонтёров — ${region.nameRu}`,
        kind: "akimat",
        ...approved(region.code),
      }) - 1,
      orgs.push({
        nameRu: `Отдел по делам молодёжи акимата г. ${region.centerRu}`,
        kind: "akimat",
        ...approved(region.code),
      }) - 1,
    ];
    for (const name of UNIVERSITIES[region.code] ?? [])
      own.push(orgs.push({ ...byScript(name), kind: "university", ...approved(region.code) }) - 1);
    orgsByRegion.set(region.code, own);
  }
  const ngoIndexes = NGOS.map((ngo) => orgs.push({ ...byScript(ngo.name), kind: "ngo", ...approved(null) }) - 1);

  const localMidnight = (dayOffset: number) =>
    Math.floor((now.getTime() + ALMATY_OFFSET_MS) / DAY_MS) * DAY_MS - ALMATY_OFFSET_MS + dayOffset * DAY_MS;
  const marathonList: DemoPlan["marathons"] = [
    {
      code: DEMO_MARATHON_CODE,
      titleKk: "Игі істер марафоны",
      titleRu: "Марафон добрых дел",
      descriptionKk:
        "Республикалық марафон: күн сайын бір игі іс жасап, оны ботта белгілеңіз. Ең белсенді еріктілер мен өңірлер марапатталады.",
      descriptionRu:
        "Республиканский марафон: совершайте доброе дело каждый день и отмечайте его в боте. Самых активных волонтёров и регионы ждут награды.",
      regionCode: null,
      startsAt: new Date(localMidnight(-14)),
      endsAt: new Date(localMidnight(76)),
    },
    {
      code: REGIONAL_MARATHON_CODE,
      titleKk: "Жасыл Алматы",
      titleRu: "Зелёный Алматы",
      descriptionKk: "Алматыны бірге көгалдандырамыз: ағаш отырғызу, саябақтарды тазалау, қалдықтарды сұрыптау.",
      descriptionRu: "Озеленяем Алматы вместе: посадка деревьев, уборка парков, раздельный сбор отходов.",
      regionCode: "almaty",
      startsAt: new Date(localMidnight(-7)),
      endsAt: new Date(localMidnight(54)),
    },
  ];

  const counts = shareOut(
    total,
    regionList.map((r) => REGION_WEIGHT[r.code] ?? 1),
  );
  const actionList: DemoPlan["actions"] = [];
  regionList.forEach((region, regionIndex) => {
    const center = CENTER_OVERRIDES[region.code] ?? region;
    const places: Place[] = [
      { kk: region.centerKk, ru: region.centerRu, ...center, radiusKm: CITY_RADIUS_KM[region.code] ?? 3.5, weight: 3 },
      ...(TOWNS[region.code] ?? []).map((town) => ({ ...town, radiusKm: 2, weight: 1 })),
    ];
    for (let i = 0; i < counts[regionIndex]!; i++) {
      // Every direction appears in every region with at least 10 actions; the rest is random.
      const category =
        i < CATEGORIES.length ? CATEGORIES[(i + regionIndex) % CATEGORIES.length]! : random.pick(CATEGORIES);
      actionList.push(
        planAction(random, region, pickWeighted(random, places), category, now, orgsByRegion, ngoIndexes),
      );
    }
  });

  const clubList: DemoPlan["clubs"] = [
    {
      club: {
        nameKk: "«Күміс жас» белсенді ұзақ өмір клубы",
        nameRu: "Клуб активного долголетия «Күміс жас»",
        regionCode: "almaty",
        address: "Белсенді ұзақ өмір орталығы, Жамбыл көшесі, 114, Алматы",
        latitude: 43.2496,
        longitude: 76.9264,
        // Fixed, so the playground can show joining: type KUM7A3 or open t.me/<bot>?start=k_demo-kumis-jas.
        joinCode: "KUM7A3",
        inviteToken: "demo-kumis-jas",
      },
      meetings: [
        { weekday: 2, startMinute: 11 * 60, place: "Орталықтың үлкен залы: скандинавиялық жүру" },
        { weekday: 4, startMinute: 15 * 60, place: "Кітапхана: әңгіме клубы" },
      ],
    },
    {
      club: {
        nameKk: "«Күміс шақ» ұзақ өмір клубы",
        nameRu: "Клуб долголетия «Серебряный возраст»",
        regionCode: "astana",
        address: "Дом культуры, ул. Сарайшык, 5, Астана",
        latitude: 51.1283,
        longitude: 71.4305,
        joinCode: "CEP4RA",
        inviteToken: "demo-kumis-shak",
      },
      meetings: [
        { weekday: 1, startMinute: 10 * 60, place: "Зал ЛФК: гимнастика" },
        { weekday: 3, startMinute: 16 * 60 + 30, place: "Компьютерный класс: смартфон и eGov" },
      ],
    },
  ];

  return { organizations: orgs, marathons: marathonList, actions: actionList, clubs: clubList };
}

function planAction(
  random: Random,
  region: Region,
  place: Place,
  category: Category,
  now: Date,
  orgsByRegion: Map<string, number[]>,
  ngoIndexes: number[],
): DemoPlan["actions"][number] {
  const lang: Lang = random.chance(0.5) ? "kk" : "ru";
  const title = random.pick(TITLES[category][lang]);
  // Venues, streets and towns come in both languages (same index), so the address does too.
  const street = random.int(0, STREETS.kk.length - 1);
  const venue = random.int(0, VENUES[category].kk.length - 1);
  const house = random.int(1, 180);
  const address = (l: Lang) => `${VENUES[category][l][venue]}, ${STREETS[l][street]}, ${house}, ${place[l]}`;

  // Uniform over a disc: sqrt keeps the density even instead of crowding the center.
  const distanceKm = place.radiusKm * Math.sqrt(random.next());
  const bearing = random.next() * 2 * Math.PI;
  const latitude = place.latitude + (distanceKm * Math.cos(bearing)) / 111.32;
  const longitude =
    place.longitude + (distanceKm * Math.sin(bearing)) / (111.32 * Math.cos((place.latitude * Math.PI) / 180));

  const startHour = random.pick(START_HOURS[category]);
  // Over by 21:00 local time.
  const hours = Math.min(random.pick(HOURS_CREDITED), LAST_HOUR - startHour - 1);
  const startsAt = startTime(random, startHour, now);
  const endsAt = new Date(startsAt.getTime() + Math.ceil(hours) * 3_600_000);

  const capacity = random.pick(CAPACITIES);
  const fill = random.next();
  // Seats taken by volunteers who signed up elsewhere (e.g. Qazvolunteer.kz): some actions are nearly or fully booked.
  const participantsCount =
    fill < 0.4
      ? 0
      : fill < 0.85
        ? random.int(1, capacity - 1)
        : fill < 0.95
          ? Math.max(0, capacity - random.int(1, 2))
          : capacity;

  const ngos = ngoIndexes.filter((_, k) => NGOS[k]!.categories.includes(category));
  const organizationIndex =
    ngos.length && random.chance(0.35) ? random.pick(ngos) : random.pick(orgsByRegion.get(region.code)!);
  const marathonCode =
    region.code === "almaty" && category === "ecology"
      ? REGIONAL_MARATHON_CODE
      : random.chance(0.25)
        ? DEMO_MARATHON_CODE
        : null;

  return {
    organizationIndex,
    marathonCode,
    titleKk: lang === "kk" ? title : null,
    titleRu: lang === "ru" ? title : null,
    descriptionKk: DESCRIPTIONS[category].kk,
    descriptionRu: DESCRIPTIONS[category].ru,
    category,
    regionCode: region.code,
    addressKk: address("kk"),
    addressRu: address("ru"),
    latitude: round(latitude, 6),
    longitude: round(longitude, 6),
    startsAt,
    endsAt,
    capacity,
    participantsCount,
    hours,
    status: random.chance(0.03) ? "cancelled" : "published",
  };
}

/** A local date 0–44 days ahead at the given local hour (or half past), never within the next hour. */
function startTime(random: Random, hour: number, now: Date): Date {
  const today = Math.floor((now.getTime() + ALMATY_OFFSET_MS) / DAY_MS) * DAY_MS;
  const local =
    today + random.int(0, DAYS_AHEAD - 1) * DAY_MS + hour * 3_600_000 + (random.chance(0.3) ? 1_800_000 : 0);
  let utc = local - ALMATY_OFFSET_MS;
  if (utc < now.getTime() + 3_600_000) utc += DAY_MS;
  return new Date(utc);
}

/** Splits `total` in proportion to the weights (largest remainders), so every region gets its share. */
function shareOut(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const missing = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) counts[order[k]![1]]! += 1;
  return counts;
}

function pickWeighted(random: Random, places: Place[]): Place {
  let r = random.next() * places.reduce((sum, p) => sum + p.weight, 0);
  for (const place of places) {
    r -= place.weight;
    if (r < 0) return place;
  }
  return places[places.length - 1]!;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Seeds the demo data in one transaction; does nothing (seeded: false) when it is already there. */
export async function seedDemo(db: Database, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const regionList = await db.select().from(regions).orderBy(asc(regions.position));
  const plan = planDemo(regionList, options);
  const [national, ...otherMarathons] = plan.marathons;
  return db.transaction(async (tx) => {
    // The national marathon's unique code marks the demo data; a concurrent seeder waits here, then finds it.
    const [marker] = await tx
      .insert(marathons)
      .values(national!)
      .onConflictDoNothing({ target: marathons.code })
      .returning({ id: marathons.id, code: marathons.code });
    if (!marker) return { seeded: false, organizations: 0, actions: 0, marathons: 0, clubs: 0 };
    const marathonIds = new Map([[marker.code, marker.id]]);
    for (const row of await tx
      .insert(marathons)
      .values(otherMarathons)
      .returning({ id: marathons.id, code: marathons.code }))
      marathonIds.set(row.code, row.id);

    const orgIds = (await tx.insert(organizations).values(plan.organizations).returning({ id: organizations.id })).map(
      (row) => row.id,
    );

    const rows = plan.actions.map(({ organizationIndex, marathonCode, ...action }) => ({
      ...action,
      organizationId: orgIds[organizationIndex]!,
      marathonId: marathonCode ? marathonIds.get(marathonCode)! : null,
    }));
    for (let i = 0; i < rows.length; i += 200) await tx.insert(actions).values(rows.slice(i, i + 200));

    for (const { club, meetings } of plan.clubs) {
      const [created] = await tx.insert(clubs).values(club).returning({ id: clubs.id });
      await tx.insert(clubMeetings).values(meetings.map((m) => ({ ...m, clubId: created!.id })));
    }
    return {
      seeded: true,
      organizations: orgIds.length,
      actions: rows.length,
      marathons: plan.marathons.length,
      clubs: plan.clubs.length,
    };
  });
}
