import { ERROR_CATALOGUE, ErrorCode, type ILocalizedText } from '@lms-m365/contracts';

export const PROBLEM_TYPE_BASE = 'https://lms-m365.example/errors/';

export type Language = 'en' | 'ja';

/** RFC 9457 body. `code` is the stable key into packages/contracts/src/errors/catalogue.ts. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  remedy: string;
  upstream?: string;
  instance?: string;
}

/** Japanese when the caller prefers it over English, English otherwise. */
export function preferredLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) {
    return 'en';
  }
  let best: Language = 'en';
  let bestQ = -1;
  for (const part of acceptLanguage.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const lang: Language | undefined = tag.startsWith('ja') ? 'ja' : tag.startsWith('en') || tag === '*' ? 'en' : undefined;
    if (lang && Number.isFinite(q) && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

export function problemBody(code: ErrorCode, language: Language, options: { detail?: string; upstream?: string; instance?: string; remedy?: ILocalizedText } = {}): ProblemBody {
  const definition = ERROR_CATALOGUE[code];
  const remedy = (options.remedy ?? definition.remedy)[language];
  const body: ProblemBody = {
    type: PROBLEM_TYPE_BASE + code,
    title: definition.title[language],
    status: definition.status,
    code,
    detail: options.detail ?? remedy,
    remedy
  };
  if (options.upstream) {
    body.upstream = options.upstream;
  }
  if (options.instance) {
    body.instance = options.instance;
  }
  return body;
}
