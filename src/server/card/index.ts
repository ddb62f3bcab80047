// The WeCom card workflow node (`wecom-card`): a card with buttons to each assignee, a click decides, the
// workflow goes on (approve) or ends rejected. Registered only when plugin-workflow is enabled; the clicks come
// through the app callback's events (common/app-events.ts).
import type { Feature } from '../common/feature';
import { appEventsOf } from '../common/app-events';
import { CARD_INSTRUCTION } from '../../shared/wecom-card';
import { cardInstruction } from './instruction';
import { checkCardNodeOnSave } from './node-rule';
import { CardService, WorkflowPlugin } from './service';
import { defineTasks } from './store';

/** How often each instance looks for cards past their timeout (what another instance or a restart left). */
const sweepMs = () => Number(process.env.WECOM_CARD_SWEEP_MS) || 30_000;

export const card: Feature = {
  name: 'card',

  load({ app, use }) {
    const workflow = app.pm.get('workflow') as unknown as WorkflowPlugin | undefined;
    if (!workflow || typeof workflow.registerInstruction !== 'function') return;
    defineTasks(app.db);
    const service = new CardService(app, workflow);
    workflow.registerInstruction(CARD_INSTRUCTION, cardInstruction(() => service));
    use(checkCardNodeOnSave, { tag: 'auth-wecom-card-node', after: 'acl' });
    const unsubscribe = appEventsOf(app).on('template_card_event', (event) => service.onClick(event));
    app.on('afterStart', () => service.startSweeping(sweepMs()));
    app.on('beforeStop', () => service.stop());
    app.on('afterDestroy', () => {
      service.stop();
      unsubscribe();
    });
  },
};
