import { useTranslation } from 'react-i18next';
import { NAMESPACE } from '../constants';

/** Translations of this plugin, falling back to NocoBase's own (`client`). */
export function useT() {
  return useTranslation([NAMESPACE, 'client'], { nsMode: 'fallback' }).t;
}
