/** The languages latchkey writes e-mail in; the first is the fallback. */
export const MAIL_LOCALES = ['en', 'ko'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

/**
 * The best supported language for an `Accept-Language` header (RFC 9110 §12.5.4: by q-value, then
 * by order; `ko-KR` counts as `ko`). `en` when nothing matches or the header is absent.
 *
 * @example
 * pickLocale('ko-KR,ko;q=0.9,en-US;q=0.8') // 'ko'
 */
export function pickLocale(acceptLanguage: string | undefined | null): MailLocale {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .slice(0, 500)
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), order };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranked) if (isMailLocale(tag)) return tag;
  return 'en';
}

export function isMailLocale(value: unknown): value is MailLocale {
  return typeof value === 'string' && (MAIL_LOCALES as readonly string[]).includes(value);
}

/** Words the templates share that depend on the language. */
export const PHRASES: Record<MailLocale, { device(browser: string, os: string): string; unknownDevice: string; unknown: string }> = {
  en: {
    device: (browser, os) => `${browser} on ${os}`,
    unknownDevice: 'an unknown device',
    unknown: 'unknown',
  },
  ko: {
    device: (browser, os) => `${os}의 ${browser}`,
    unknownDevice: '알 수 없는 기기',
    unknown: '알 수 없음',
  },
};

/** A time as people read it in `locale`, in UTC (we do not know the reader's zone). */
export function formatTime(ms: number, locale: MailLocale): string {
  const text = new Intl.DateTimeFormat(locale === 'ko' ? 'ko-KR' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(ms));
  return `${text} UTC`;
}
