// The WeCom card node (`wecom-card`) as both workflow editors register it. NocoBase 2.2 draws the workflow
// canvas with the modern client's components under /admin too, so both clients give the same node: no legacy
// `fieldset`, and a `FieldsetLoader` for the one antd form (dist/client-v2/wecom-card.js), loaded when a node
// drawer opens. This module stays small: it is part of every page's entry bundle.
import type { ComponentType } from 'react';
import { NAMESPACE } from '../../constants';
import type { CARD_INSTRUCTION } from '../../shared/wecom-card';
import { useT } from '../locale';

/** The instruction type, checked against the shared one; a value import would bundle all its checks here. */
export const CARD_NODE_TYPE: typeof CARD_INSTRUCTION = 'wecom-card';

export type FieldsetLoader = () => Promise<{ default: ComponentType<object> }>;

/** What plugin-workflow's registries (v1 and v2) read of an instruction. */
export interface CardInstruction {
  type: string;
  title: string;
  group: string;
  description: string;
  /** Empty: an instruction with a legacy fieldset gets the legacy drawer instead of FieldsetLoader's form. */
  fieldset: Record<string, never>;
  FieldsetLoader: FieldsetLoader;
  useVariables(node: { key: string; title: string }): object;
  isAvailable(context: { engine: { isWorkflowSync(workflow: object): boolean }; workflow: object }): boolean;
}

/** The node's result for later nodes: `{ key, action, decisions: [{ userId, userid, key, at }] }`. */
function useCardVariables(node: { key: string; title: string }) {
  const t = useT();
  const option = (value: string, label: string, children?: object[]) => ({ value, label, children });
  return option(node.key, node.title, [
    option('key', t('Button key')),
    option('action', t('Decision')),
    // A list, one `{ userId, userid, key, at }` per decision: a later node reads it whole.
    option('decisions', t('Decisions')),
  ]);
}

/**
 * The instruction, for plugin-workflow's registries: they take a class (and instantiate it) or an instance of
 * their own Instruction class, which this entry does not import (it would fail to load without workflows). A
 * constructor returning the object stands for the class.
 */
export function cardInstruction(FieldsetLoader: FieldsetLoader): new () => CardInstruction {
  const instruction: CardInstruction = {
    type: CARD_NODE_TYPE,
    title: `{{t("WeCom card", { ns: "${NAMESPACE}" })}}`,
    group: 'manual',
    description: `{{t("Sends a WeCom card and waits for the assignees to decide.", { ns: "${NAMESPACE}" })}}`,
    fieldset: {},
    FieldsetLoader,
    useVariables: useCardVariables,
    // It waits for people: a synchronous workflow cannot hold it.
    isAvailable: ({ engine, workflow }) => !engine.isWorkflowSync(workflow),
  };
  return function CardNode() {
    return instruction;
  } as unknown as new () => CardInstruction;
}
