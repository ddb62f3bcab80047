// Registers the WeCom card node with plugin-workflow's classic client, by name: importing its module would make
// this entry fail to load where workflows are not enabled. The node's form is the modern client's file (the
// canvas under /admin renders modern forms), loaded when a node drawer shows it.
import type { Application } from '@nocobase/client';
import { DRAWER_NOT_LOADED } from '../../client-common/messages';
import { CARD_NODE_TYPE, cardInstruction } from '../../client-common/workflow/card-instruction';
import { onDemand } from '../OnDemand';

interface WorkflowPlugin {
  registerInstruction(type: string, instruction: new () => object): void;
}

// A stand-in that loads the form itself, with a spinner, or says why it could not (the next drawer tries again).
const CardFieldset = async () => ({ default: onDemand<object>('../client-v2/wecom-card.js', 'default', DRAWER_NOT_LOADED) });

/** Only where the workflow plugin is enabled. A refusal must not take the sign-in page down with the plugin: warned. */
export function registerCardNode(app: Application) {
  try {
    (app.pm.get('workflow') as WorkflowPlugin | undefined)?.registerInstruction(CARD_NODE_TYPE, cardInstruction(CardFieldset));
  } catch (error) {
    console.warn('auth-wecom: no WeCom card node', error);
  }
}
