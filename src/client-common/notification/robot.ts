// What both clients' `wecom-robot` forms share: the field checks of src/shared/robot-message.ts (the server
// makes the same), the message types, and "Send a test message".
import type { TFunction } from 'react-i18next';
import { robotFieldProblem } from '../../shared/robot-message';

/** Plain text: React shows the message as text. */
const plain = { interpolation: { escapeValue: false } };

/** A field of the robot message form: a localized message, or '' when the value is fine. */
export const robotField = (t: TFunction, path: string, required = false) => (value: unknown) => {
  // A value that holds a workflow variable is checked once it is filled in, on the server.
  if (typeof value === 'string' && /\{\{/.test(value)) return '';
  const problem = robotFieldProblem(path, value, required);
  return problem ? t(problem.message, { ...problem.params, field: t(String(problem.params.field)), ...plain }) : '';
};

export const robotMsgtypes = (t: TFunction) => [
  { label: t('Text'), value: 'text' },
  { label: 'Markdown', value: 'markdown' },
  { label: t('News'), value: 'news' },
  { label: t('Template card (text notice)'), value: 'template_card' },
];

export type TestRobotRequest = <T>(config: { url: string; method: 'post'; data: unknown }) => Promise<{ data: T }>;

/** The key typed in the form (empty: the saved one of `channel`), the channel's name and title. */
export interface TestRobotValues {
  webhookKey?: unknown;
  channel?: unknown;
  title?: unknown;
}

/**
 * Sends a test message with the key typed in the form, or the saved key of `channel` when the field is empty.
 * Answers what WeCom said, as the server words it.
 */
export async function sendTestMessage(request: TestRobotRequest, values: TestRobotValues): Promise<{ ok: boolean; message: string }> {
  try {
    const { data } = await request<{ data: { ok: boolean; message: string } }>({ url: 'wecom:testRobot', method: 'post', data: values });
    return data.data;
  } catch (error) {
    const answer = (error as { response?: { data?: { errors?: { message?: string }[] } } }).response?.data?.errors?.[0]?.message;
    return { ok: false, message: answer ?? String((error as Error)?.message ?? error) };
  }
}
