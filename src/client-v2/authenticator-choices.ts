// The modern client's side of the authenticator choices (../client-common/authenticator-choices.ts).
import { useApp } from '@nocobase/client-v2';
import { useAuthenticatorChoices } from '../client-common/authenticator-choices';
import type { Choice } from '../shared/authenticator-choice';

export const useWecomAuthenticatorChoices = (enabledOnly: boolean): Choice[] | undefined => useAuthenticatorChoices(useApp().apiClient, enabledOnly);
