// The classic client's side of the authenticator choices (../client-common/authenticator-choices.ts).
import { useAPIClient } from '@nocobase/client';
import { useAuthenticatorChoices } from '../client-common/authenticator-choices';
import type { Choice } from '../shared/authenticator-choice';

export const useWecomAuthenticatorChoices = (enabledOnly: boolean): Choice[] | undefined => useAuthenticatorChoices(useAPIClient(), enabledOnly);
