// The `wecom-card` instruction of plugin-workflow: the job waits (PENDING) while the card is out; a decision or
// the timeout settles it and resumes the execution (service.ts); resume only hands the settled job back.
import type { CardService, JobModel, NodeModel, Processor } from './service';
import { JOB } from './card';

export function cardInstruction(service: () => CardService) {
  return {
    async run(node: NodeModel, prevJob: { id?: unknown } | null, processor: Processor) {
      const job = processor.saveJob({ status: JOB.PENDING, result: null, nodeId: node.id, nodeKey: node.key, upstreamId: prevJob?.id ?? null });
      const { status, result } = await service().send(node, job, processor);
      job.set({ status, result });
      return job;
    },
    async resume(_node: NodeModel, job: JobModel) {
      return job;
    },
  };
}
