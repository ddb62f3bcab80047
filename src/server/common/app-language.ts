// Text written outside any request (a send log, a notification) is read later by whoever looks: it speaks the
// app's language.
import type { Application } from '@nocobase/server';

export type Translate = (key: string, options?: Record<string, unknown>) => string;

/** A translator in the app's language (system settings, else the app's i18n, else English). */
export async function appTranslator(app: Application): Promise<Translate> {
  const settings = app.db.getCollection('systemSettings') ? await app.db.getRepository('systemSettings').findOne() : undefined;
  const lang = String(settings?.get('appLang') || app.i18n.language || 'en-US');
  const i18n = await app.localeManager.getI18nInstance(lang);
  await i18n.changeLanguage(lang);
  await app.localeManager.loadResourcesByLang(lang);
  // Plain text, not HTML: i18next would otherwise write an Origin as http:&#x2F;&#x2F;...
  return (key, options) => i18n.t(key, { ...options, interpolation: { escapeValue: false } }) as string;
}
