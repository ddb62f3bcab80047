// The small part of @nocobase/flow-engine this plugin uses. The package is not in this registry; at run time
// the page (`/v/`, and `/admin`, whose workflow canvas renders the modern forms) provides it through requirejs.
import type { APIClient } from '@nocobase/client-v2';

/** The flow context of the component: the app's API client among others. */
export declare function useFlowContext(): { api: APIClient };
