// The part of react-i18next (provided by the NocoBase page) this plugin uses.
export type TFunction = (key: string, options?: Record<string, unknown>) => string;

export declare function useTranslation(
  ns: string | string[],
  options?: { nsMode?: 'fallback' | 'default' },
): { t: TFunction };
