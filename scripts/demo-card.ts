// `npm start`: the WeCom card node, ready to try. The demo authenticator `wecom` gets the app's receive-message
// callback (Token and EncodingAESKey), the sandbox's app is pointed at it (the sandbox checks the URL as WeCom's
// console does), and a workflow "Approve purchase in WeCom" sends Zhang San (his NocoBase user, once linked) a card for
// each new purchase request: Approve goes on, Reject ends it rejected.
import type { Api } from './nocobase';

export const DEMO_CARD_TOKEN = 'demoCardToken2026';
/** 43 letters and digits, as WeCom's console generates them. */
export const DEMO_CARD_AES_KEY = 'DemoCardEncodingAESKey0123456789abcdefghijk';
export const DEMO_CARD_COLLECTION = 'purchaseRequests';
export const DEMO_CARD_WORKFLOW = 'Approve purchase in WeCom';

type Json = Record<string, any>;

/** `assignee`: the id of Zhang San's NocoBase user. */
export async function configureDemoCard(api: Api, sandboxUrl: string, origin: string, assignee: number): Promise<void> {
  const [authenticator] = await api.get<Json[]>('authenticators:list', { filter: JSON.stringify({ name: 'wecom' }) });
  if (!authenticator) return;
  if (!authenticator.options?.savedSecrets?.includes('callbackToken')) {
    await api.post(`authenticators:update?filterByTk=${authenticator.id}`, {
      enabled: authenticator.enabled,
      options: { ...authenticator.options, callbackToken: DEMO_CARD_TOKEN, callbackEncodingAESKey: DEMO_CARD_AES_KEY },
    });
  }
  // What an admin types in the console's "API receive-message" settings; WeCom checks the URL on save.
  const res = await fetch(`${sandboxUrl}/__sandbox/app/callback`, {
    method: 'POST',
    body: JSON.stringify({ url: `${origin}/api/wecom:appCallback?authenticator=wecom`, token: DEMO_CARD_TOKEN, encodingAESKey: DEMO_CARD_AES_KEY }),
  });
  if (!res.ok) throw new Error(`the sandbox could not verify the app callback URL: HTTP ${res.status} ${await res.text()}`);

  const collections = await api.get<Json[]>('collections:list', { filter: JSON.stringify({ name: DEMO_CARD_COLLECTION }) });
  if (!collections.length) {
    await api.post('collections:create', {
      name: DEMO_CARD_COLLECTION,
      title: 'Purchase requests',
      fields: [
        { name: 'item', type: 'string', interface: 'input', uiSchema: { title: 'Item', type: 'string', 'x-component': 'Input' } },
        { name: 'amount', type: 'double', interface: 'number', uiSchema: { title: 'Amount', type: 'number', 'x-component': 'InputNumber' } },
      ],
    });
  }
  const workflows = await api.get<Json[]>('workflows:list', { filter: JSON.stringify({ title: DEMO_CARD_WORKFLOW }) });
  if (workflows.length) return;
  const workflow = await api.post<Json>('workflows:create', {
    title: DEMO_CARD_WORKFLOW,
    type: 'collection',
    enabled: true,
    sync: false,
    config: { mode: 1, collection: DEMO_CARD_COLLECTION },
  });
  await api.post(`workflows/${workflow.id}/nodes:create`, {
    type: 'wecom-card',
    title: 'Zhang San approves in WeCom',
    config: {
      authenticator: 'wecom',
      assignees: [assignee],
      mode: 0,
      title: 'Purchase: {{$context.data.item}}',
      description: 'Amount: {{$context.data.amount}}',
      url: '/admin',
      buttons: [
        { key: 'approve', text: 'Approve', style: 1, action: 'approve' },
        { key: 'reject', text: 'Reject', style: 4, action: 'reject' },
      ],
      timeout: 86400,
    },
  });
}
